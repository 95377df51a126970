namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// Finds the external programs the integration tests drive. A missing tool fails the test with the
/// Debian package to install: these tests never skip, or a CI machine without the tools would pass.
/// </summary>
public static class RequiredTool
{
    private static readonly Dictionary<string, string> PackageByTool = new(StringComparer.Ordinal)
    {
        ["knotd"] = "knot",
        ["knotc"] = "knot",
        ["kdig"] = "knot-dnsutils",
        ["promtool"] = "prometheus",
        ["nghttpd"] = "nghttp2-server",
        ["nginx"] = "nginx",
        ["nghttp"] = "nghttp2-client",
        ["h2load"] = "nghttp2-client",
        ["chromium"] = "chromium",
        ["chromedriver"] = "chromium-driver",
        ["openssl"] = "openssl",
        ["curl"] = "curl",
        ["redis-server"] = "redis-server",
        ["redis-cli"] = "redis-tools",
    };

    // Daemons live in sbin, which an unprivileged user's PATH often leaves out.
    private static readonly string[] ExtraDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

    /// <summary>The full path of <paramref name="command"/>, or an exception naming the package that provides it.</summary>
    public static string Resolve(string command)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var directories = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirectories);
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, command);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        var package = PackageByTool.GetValueOrDefault(command, command);
        throw new InvalidOperationException(
            $"'{command}' was not found on PATH or in {string.Join(", ", ExtraDirectories)}. " +
            $"Install the Debian package '{package}': apt-get install -y --no-install-recommends {package} (scripts/test does this).");
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) &&
        (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
