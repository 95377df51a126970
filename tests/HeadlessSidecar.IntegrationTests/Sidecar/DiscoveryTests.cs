using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>Scale up and down, IP changes, scale to zero and DNS outages, through a real Knot server.</summary>
public sealed class DiscoveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> ErrorCodeAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("error").GetString()!;

    private static async Task<HttpResponseMessage> GetPinnedAsync(TestSidecar sidecar, int ordinal)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("X-Headless-Ordinal", ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await sidecar.Client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task ScaleUp_NewPodIsServedAndCounted()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        Assert.Equal("pod_unavailable", await ErrorCodeAsync(await GetPinnedAsync(sidecar, 2)));

        await using var web2 = await LoopbackHttpPod.StartAsync("web-2", LoopbackAddresses.Next(), cluster.Pods.Port, cancellationToken: Ct);
        cluster.Service.AddPod("web-2", web2.Address);
        await cluster.ReloadAsync();
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        var response = await GetPinnedAsync(sidecar, 2);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web-2", response.Headers.GetValues("X-Headless-Pod").Single());
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(3, TestSidecar.Series(metrics, "headless_sidecar_endpoint_changes_total", ("service", "web"), ("change", "added")));
        Assert.Equal(3, TestSidecar.Series(metrics, "headless_sidecar_endpoints", ("service", "web"), ("state", "healthy")));
    }

    [Fact]
    public async Task ScaleDown_RemovedPodGetsNoTrafficAndPinsAnswer503()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        cluster.Service.RemovePod("web-2");
        await cluster.ReloadAsync();
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        cluster.Pods["web-2"].ResetCounters();

        for (var i = 0; i < 20; i++)
        {
            using var response = await sidecar.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(0, cluster.Pods["web-2"].RequestCount);
        Assert.Equal("pod_unavailable", await ErrorCodeAsync(await GetPinnedAsync(sidecar, 2)));
        // The removed pod's idle pooled connections are closed at once.
        await sidecar.WaitUntilAsync(_ => Task.FromResult(cluster.Pods["web-2"].OpenConnectionCount == 0), "web-2 connections closed", Ct);
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_endpoint_changes_total", ("service", "web"), ("change", "removed")));
    }

    [Fact]
    public async Task IpChange_RequestsFollowThePodToItsNewAddress()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, (await GetPinnedAsync(sidecar, 1)).StatusCode);

        // web-1 restarts elsewhere: the old address goes dark, DNS moves.
        var old = cluster.Pods["web-1"];
        await old.StopAsync();
        await using var moved = await LoopbackHttpPod.StartAsync("web-1", LoopbackAddresses.Next(), cluster.Pods.Port, cancellationToken: Ct);
        cluster.Service.Pod("web-1").Address = moved.Address;
        await cluster.ReloadAsync();
        await sidecar.WaitForPodAddressAsync("web-1", moved.Address, cancellationToken: Ct);

        for (var i = 0; i < 3; i++)
        {
            var response = await GetPinnedAsync(sidecar, 1);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(3, moved.RequestCount);
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_endpoint_changes_total", ("service", "web"), ("change", "address_changed")));
    }

    [Theory]
    [InlineData(EmptyServiceAnswer.NoData, "empty")]
    [InlineData(EmptyServiceAnswer.NxDomain, "nxdomain")]
    public async Task ScaleToZero_EmptiesTheSetAtOnce(EmptyServiceAnswer mode, string result)
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        cluster.Zone.EmptyServiceAnswer = mode;
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);

        cluster.Service.RemovePod("web-0");
        cluster.Service.RemovePod("web-1");
        await cluster.ReloadAsync();
        await sidecar.WaitForPodsAsync([], cancellationToken: Ct);

        using var response = await sidecar.Client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("no_endpoints", await ErrorCodeAsync(response));
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        Assert.Equal(result, peers.GetProperty("lastResult").GetString());
        Assert.False(peers.GetProperty("stale").GetBoolean());
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_dns_lookups_total", ("service", "web"), ("result", result)) >= 1);
        // Ready stays true: an empty answer is an answer.
        Assert.Equal(HttpStatusCode.OK, (await sidecar.Admin.GetAsync("readyz", Ct)).StatusCode);
    }

    [Fact]
    public async Task DeletedService_IsNxDomainAndNoEndpoints()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        cluster.Zone.RemoveService(TestCluster.ServiceName, "default");
        await cluster.ReloadAsync();
        await sidecar.WaitForPodsAsync([], cancellationToken: Ct);
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        Assert.Equal("nxdomain", peers.GetProperty("lastResult").GetString());
    }

    [Fact]
    public async Task DnsOutage_StaleSetKeepsServingAndIsFlagged()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);

        await cluster.Dns.StopAsync();
        await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_dns_stale", ("service", "web")) == 1, "dns_stale = 1", Ct);

        for (var i = 0; i < 10; i++)
        {
            using var response = await sidecar.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        Assert.True(peers.GetProperty("stale").GetBoolean());
        Assert.Equal(2, peers.GetProperty("pods").GetArrayLength());
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_dns_lookups_total", ("service", "web"), ("result", "error")) >= 1);

        await cluster.Dns.StartAgainAsync(Ct);
        await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_dns_stale", ("service", "web")) == 0, "dns_stale = 0", Ct);
    }

    [Fact]
    public async Task DnsOutageLongerThanMaxStale_DropsTheSet()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => s["Sidecar:Dns:MaxStale"] = "1s", cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        await cluster.Dns.StopAsync();
        await sidecar.WaitForPodsAsync([], cancellationToken: Ct);
        using var response = await sidecar.Client.GetAsync("/", Ct);
        Assert.Equal("no_endpoints", await ErrorCodeAsync(response));
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        Assert.Equal("error", peers.GetProperty("lastResult").GetString());
        Assert.False(peers.GetProperty("stale").GetBoolean());
    }

    [Fact]
    public async Task Readyz_Is503UntilTheFirstResolutionThen200()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await cluster.Dns.StopAsync();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, waitReady: false, cancellationToken: Ct);

        using (var before = await sidecar.Admin.GetAsync("readyz", Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
            var body = await before.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.False(body.GetProperty("ready").GetBoolean());
            Assert.Contains("web", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, (await sidecar.Admin.GetAsync("healthz", Ct)).StatusCode);

        await cluster.Dns.StartAgainAsync(Ct);
        await sidecar.WaitUntilAsync(async ct => (await sidecar.Admin.GetAsync("readyz", ct)).StatusCode == HttpStatusCode.OK, "ready", Ct);
    }

    [Fact]
    public async Task TwoHundredPodSrvAnswer_TruncatedOverUdp_ResolvedCompletelyOverTcp()
    {
        var zone = new ClusterZone { Ttl = 30 };
        var service = zone.AddService(TestCluster.ServiceName, "default", ("web", 8080));
        for (var i = 0; i < 200; i++)
        {
            service.AddPod($"web-{i}", IPAddress.Parse($"10.1.{i / 250}.{i % 250 + 1}"));
        }
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        await using var sidecar = await TestSidecar.StartAsync(dns.EndPoint, cancellationToken: Ct);
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        var pods = peers.GetProperty("pods").EnumerateArray().ToList();
        Assert.Equal(200, pods.Count);
        Assert.Equal(Enumerable.Range(0, 200), pods.Select(p => p.GetProperty("ordinal").GetInt32()));
        Assert.All(pods, p => Assert.Equal(8080, p.GetProperty("port").GetInt32()));
        Assert.Equal("10.1.0.200", pods[199].GetProperty("address").GetString());
    }

    [Fact]
    public async Task ThousandPodSrvAnswer_UnderTheDefaultRecordCap_ResolvedCompletely()
    {
        // 1,000 SRV records and the glue that fits: inside Dns:MaxAnswerRecords' default of 5,000. A short Service
        // name, as perf/run's: SRV targets go uncompressed (RFC 2782), and with "nginx-headless" 1,000 of them
        // overflow a 64 KiB message (Knot answers SERVFAIL).
        var zone = new ClusterZone { Ttl = 30 };
        var service = zone.AddService("big", "default", ("web", 8080));
        for (var i = 0; i < 1000; i++)
        {
            service.AddPod($"web-{i}", IPAddress.Parse($"10.2.{i / 250}.{i % 250 + 1}"));
        }
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        await using var sidecar = await TestSidecar.StartAsync(dns.EndPoint, s => s["Sidecar:Services:web:Host"] = "big", cancellationToken: Ct);
        var pods = (await sidecar.PeersAsync(cancellationToken: Ct)).GetProperty("pods").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 1000), pods.Select(p => p.GetProperty("ordinal").GetInt32()));
        Assert.Equal("10.2.3.250", pods[999].GetProperty("address").GetString());
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_dns_rejected_total", ("service", "web"), ("reason", "record_limit")));
    }

    [Fact]
    public async Task AAndPtrDiscovery_WithoutPortName_NamesPodsFromPtr()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s.Remove("Sidecar:Services:web:PortName");
            s["Sidecar:Services:web:Port"] = cluster.Pods.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        var response = await GetPinnedAsync(sidecar, 1);
        Assert.Equal("web-1", response.Headers.GetValues("X-Headless-Pod").Single());
    }

    [Fact]
    public async Task DeploymentPodsWithoutHostname_HaveDashedNamesAndNoOrdinal()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        foreach (var pod in cluster.Service.Pods)
        {
            pod.HasHostname = false;
        }
        await cluster.ReloadAsync();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        var dashed = cluster.Service.Pods.Select(p => ClusterPod.DashedAddress(p.Address)).ToArray();
        await sidecar.WaitForPodsAsync(dashed, cancellationToken: Ct);
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        Assert.All(peers.GetProperty("pods").EnumerateArray(), p => Assert.Equal(JsonValueKind.Null, p.GetProperty("ordinal").ValueKind));

        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = $"{dashed[1]}.nginx-headless";
        var response = await sidecar.Client.SendAsync(request, Ct);
        Assert.Equal(dashed[1], response.Headers.GetValues("X-Headless-Pod").Single());
        Assert.Equal("pod_unavailable", await ErrorCodeAsync(await GetPinnedAsync(sidecar, 0)));
    }
}
