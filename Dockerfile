# syntax=docker/dockerfile:1
# Build: docker build -t headless-sidecar .
# The publish step is exactly what scripts/test checks in CI (dotnet publish -c Release).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/HeadlessSidecar/HeadlessSidecar.csproj src/HeadlessSidecar/
RUN dotnet restore src/HeadlessSidecar/HeadlessSidecar.csproj
COPY src/ src/
RUN dotnet publish src/HeadlessSidecar/HeadlessSidecar.csproj -c Release --no-restore -o /app

# Chiseled: no shell, no package manager, runs as the non-root 'app' user (UID 1654).
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
# Admin listener (metrics, health, debug); proxy listeners bind 127.0.0.1 by configuration.
EXPOSE 18090
USER app
ENTRYPOINT ["/app/headless-sidecar"]
CMD ["run"]
