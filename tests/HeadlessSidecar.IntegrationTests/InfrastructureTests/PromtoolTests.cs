using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

public sealed class PromtoolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CheckMetricsAsync_ValidExposition_ExitCodeZero()
    {
        const string exposition = """
            # HELP sidecar_requests_total Requests proxied.
            # TYPE sidecar_requests_total counter
            sidecar_requests_total{pod="web-0"} 3
            sidecar_requests_total{pod="web-1"} 5
            # HELP sidecar_request_duration_seconds Request duration.
            # TYPE sidecar_request_duration_seconds histogram
            sidecar_request_duration_seconds_bucket{le="0.1"} 1
            sidecar_request_duration_seconds_bucket{le="+Inf"} 2
            sidecar_request_duration_seconds_sum 0.35
            sidecar_request_duration_seconds_count 2

            """;

        var (exitCode, output) = await Promtool.CheckMetricsAsync(exposition, Ct);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task CheckMetricsAsync_MalformedLabels_Rejected()
    {
        var (exitCode, output) = await Promtool.CheckMetricsAsync("sidecar_requests_total{pod=\"web-0\" 3\n", Ct);

        Assert.Equal(1, exitCode);
        Assert.Contains("parsing error", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckMetricsAsync_CounterWithoutTotalSuffix_LintProblem()
    {
        var (exitCode, output) = await Promtool.CheckMetricsAsync("# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n", Ct);

        Assert.Equal(3, exitCode);
        Assert.Contains("_total", output, StringComparison.Ordinal);
    }
}
