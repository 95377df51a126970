using System.Globalization;
using System.Net;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Admin;

/// <summary>/debug/peers's recent failovers, recorded where the failover metric counts them.</summary>
public sealed class DebugPeersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Peers_AfterAFailover_RecentFailoversSayFromToReasonAndWhen()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        // LowestOrdinal sends the request to web-0 first, so stopping web-0 forces exactly one move, to web-1.
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => s["Sidecar:Services:web:LoadBalancing"] = "LowestOrdinal", cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        var before = await sidecar.PeersAsync(cancellationToken: Ct);
        Assert.Empty(before.GetProperty("recentFailovers").EnumerateArray());
        Assert.Equal(0, before.GetProperty("failoversTotal").GetInt64());

        await cluster.Pods["web-0"].StopAsync();
        var started = DateTimeOffset.UtcNow;
        using var response = await sidecar.Client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web-1", response.Headers.GetValues("X-Pod").Single());

        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        var failover = Assert.Single(peers.GetProperty("recentFailovers").EnumerateArray());
        Assert.Equal("web-0", failover.GetProperty("from").GetString());
        Assert.Equal("web-1", failover.GetProperty("to").GetString());
        Assert.Equal("connect_error", failover.GetProperty("reason").GetString());
        var at = DateTimeOffset.Parse(failover.GetProperty("at").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(at, started.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(1, peers.GetProperty("failoversTotal").GetInt64());
        // The fields the contract names are all still there, beside the new ones.
        foreach (var field in new[] { "name", "host", "lastResolution", "lastResult", "stale", "pods" })
        {
            Assert.True(peers.TryGetProperty(field, out _), field);
        }

        // The same move, counted by the metric.
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_failovers_total", ("from_pod", "web-0"), ("to_pod", "web-1"), ("reason", "connect_error")));
    }
}
