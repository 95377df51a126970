# syntax=docker/dockerfile:1
# Build: docker build -t headless-sidecar .
# The publish step is exactly what scripts/test runs in CI and perf/run measures (dotnet publish -c Release):
# a Native AOT executable (PublishAot in the project), so the runtime image needs no .NET runtime.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Native AOT links with clang and zlib.
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/HeadlessSidecar/HeadlessSidecar.csproj src/HeadlessSidecar/
RUN dotnet restore src/HeadlessSidecar/HeadlessSidecar.csproj
COPY src/ src/
RUN dotnet publish src/HeadlessSidecar/HeadlessSidecar.csproj -c Release --no-restore -o /app

# Chiseled runtime-deps: no shell, no package manager, no .NET runtime (the binary carries its own), runs as
# the non-root 'app' user (UID 1654). InvariantGlobalization is on, so no ICU is needed.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app/headless-sidecar /app/appsettings.json ./
# Admin listener (metrics, health, debug); proxy listeners bind 127.0.0.1 by configuration.
EXPOSE 18090
# Numeric, so the kubelet can verify runAsNonRoot (a user name it cannot resolve is refused).
USER 1654
ENTRYPOINT ["/app/headless-sidecar"]
CMD ["run"]
