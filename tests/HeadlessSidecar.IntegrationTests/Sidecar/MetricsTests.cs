using System.Net;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

public sealed class MetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_AfterTraffic_PassPromtoolAndCarryContractNames()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        // Round-robin: the per-pod counts below are exact.
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => s["Sidecar:Services:web:LoadBalancing"] = "RoundRobin", cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        for (var i = 0; i < 6; i++)
        {
            using var _ = await sidecar.Client.GetAsync("/", Ct);
        }
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("X-Headless-Ordinal", "9");
        using (await sidecar.Client.SendAsync(request, Ct))
        {
        }

        var metrics = await sidecar.MetricsAsync(Ct);
        var (exit, output) = await Promtool.CheckMetricsAsync(metrics, Ct);
        Assert.True(exit == 0, $"promtool check metrics failed ({exit}):\n{output}\n---\n{metrics}");

        Assert.Equal(2, TestSidecar.Series(metrics, "headless_sidecar_requests_total", ("service", "web"), ("pod", "web-0"), ("status_class", "2xx")));
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_requests_total", ("service", "web"), ("pod", "none"), ("status_class", "5xx")));
        Assert.Equal(2, TestSidecar.Series(metrics, "headless_sidecar_request_duration_seconds_count", ("service", "web"), ("pod", "web-1")));
        Assert.Equal(2, TestSidecar.Series(metrics, "headless_sidecar_request_duration_seconds_bucket", ("service", "web"), ("pod", "web-1"), ("le", "10")));
        Assert.Equal(3, TestSidecar.Series(metrics, "headless_sidecar_endpoints", ("service", "web"), ("state", "healthy")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_endpoints", ("service", "web"), ("state", "ejected")));
        Assert.Equal(3, TestSidecar.Series(metrics, "headless_sidecar_endpoint_changes_total", ("service", "web"), ("change", "added")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_dns_stale", ("service", "web")));
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_dns_lookups_total", ("service", "web"), ("result", "success")) >= 1);
        foreach (var reason in new[] { "mismatched_answer", "malformed_name", "out_of_domain", "record_limit" })
        {
            Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_dns_rejected_total", ("service", "web"), ("reason", reason)));
        }
        // Exported at 0 from the moment the service (pod) is known.
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_retry_budget_exhausted_total", ("service", "web")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_ejections_total", ("service", "web"), ("pod", "web-2")));
        Assert.NotNull(TestSidecar.Series(metrics, "headless_sidecar_upstream_connections", ("service", "web"), ("pod", "web-0")));
    }

    [Fact]
    public async Task Peers_ShowEachPodWithItsState()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        Assert.Equal(TestCluster.Fqdn, peers.GetProperty("host").GetString());
        Assert.Equal("success", peers.GetProperty("lastResult").GetString());
        Assert.False(peers.GetProperty("stale").GetBoolean());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, peers.GetProperty("lastResolution").ValueKind);
        var pod = peers.GetProperty("pods")[1];
        Assert.Equal("web-1", pod.GetProperty("name").GetString());
        Assert.Equal(1, pod.GetProperty("ordinal").GetInt32());
        Assert.Equal(cluster.Pods["web-1"].Address.ToString(), pod.GetProperty("address").GetString());
        Assert.Equal(cluster.Pods.Port, pod.GetProperty("port").GetInt32());
        Assert.Equal("healthy", pod.GetProperty("state").GetString());
        Assert.Equal(0, pod.GetProperty("activeRequests").GetInt32());
        Assert.True(pod.TryGetProperty("openConnections", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await sidecar.Admin.GetAsync("nope", Ct)).StatusCode);
    }
}
