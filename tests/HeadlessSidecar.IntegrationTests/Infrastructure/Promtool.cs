namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>Prometheus's own linter for the text exposition format (<c>promtool check metrics</c>, Debian package prometheus).</summary>
public static class Promtool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Pipes <paramref name="exposition"/> into <c>promtool check metrics</c>. Exit code 0: valid and lint-clean;
    /// 1: a parse error; 3: parsed but with lint problems (a counter without <c>_total</c>, no HELP, …).
    /// Output is promtool's stdout and stderr.
    /// </summary>
    public static Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        return ProcessRunner.RunAsync(
            RequiredTool.Resolve("promtool"),
            ["check", "metrics"],
            standardInput: exposition,
            timeout: Timeout,
            cancellationToken: cancellationToken);
    }
}
