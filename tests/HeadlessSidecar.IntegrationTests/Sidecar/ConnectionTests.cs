using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HeadlessSidecar.Runtime;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>Contract section 5 (pools, warm connections) and the timeouts and failures of section 3.</summary>
public sealed class ConnectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WarmConnections_OpenOnDiscoveryAndFirstRequestsUseThem()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Pool:WarmConnections"] = "2";
            // Alternating pods: each pod's next request finds its previous connection back in the pool. PeakEwma may
            // send both clients' next requests to one pod before its last connection is returned, opening a third.
            s["Sidecar:Services:web:LoadBalancing"] = "RoundRobin";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        // Opened before any request: the pods see two connections each.
        await sidecar.WaitUntilAsync(_ => Task.FromResult(cluster.Pods.Pods.All(p => p.ConnectionCount == 2)), "2 warm connections per pod", Ct);
        Assert.Equal(0, cluster.Pods.TotalRequestCount);

        var tasks = Enumerable.Range(0, 2).Select(async _ =>
        {
            for (var i = 0; i < 10; i++)
            {
                using var response = await sidecar.Client.GetAsync("/", Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        });
        await Task.WhenAll(tasks);

        var pods = sidecar.Services.GetRequiredService<ServiceRuntimeRegistry>().Services["web"].Table.Pods;
        Assert.All(pods, p => Assert.Equal(0, p.Pool.ConnectsOnRequestPath));
        Assert.All(pods, p => Assert.True(p.Pool.WarmConnectionsUsed >= 1));
        Assert.All(cluster.Pods.Pods, p => Assert.Equal(2, p.ConnectionCount));
    }

    [Fact]
    public async Task PodRefusingConnections_Is502UpstreamFailed()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        await cluster.Pods["web-0"].StopAsync();

        using var response = await sidecar.Client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("upstream_failed", body.GetProperty("error").GetString());
        Assert.Contains("refused", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("upstream_failed", response.Headers.GetValues("X-Headless-Error").Single());
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_requests_total", ("pod", "web-0"), ("status_class", "5xx")));
    }

    [Fact]
    public async Task RequestTimeout_Is504UpstreamTimeout()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => s["Sidecar:Services:web:Timeouts:Request"] = "300ms", cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        using var response = await sidecar.Client.GetAsync("/delay/5000", Ct);
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("upstream_timeout", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task MaxConnectionsPerPod_CapsUpstreamConnections()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => s["Sidecar:Services:web:Pool:MaxConnectionsPerPod"] = "2", cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        var tasks = Enumerable.Range(0, 8).Select(async _ =>
        {
            using var client = new HttpClient { BaseAddress = sidecar.Client.BaseAddress };
            using var response = await client.GetAsync("/delay/100", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        await Task.WhenAll(tasks);
        Assert.Equal(8, cluster.Pods["web-0"].RequestCount);
        Assert.Equal(2, cluster.Pods["web-0"].ConnectionCount);
    }

    [Fact]
    public async Task H2cBurstToHttp11Pod_OneAppConnection_PodConnectionsBoundedByMaxStreamsPerConnection()
    {
        // Pool:MaxConnectionsPerPod stays 0 (unlimited): what bounds the pod connections of a burst is the streams the
        // app may have in flight (Limits:MaxStreamsPerConnection per app connection). Each stream's pod connection goes
        // back to the pool before the stream ends, so the streams that follow reuse it instead of opening more.
        const int limit = 8;
        const int burst = 64;
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint,
            s => s["Sidecar:Limits:MaxStreamsPerConnection"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        var pod = cluster.Pods["web-0"];
        pod.ResetCounters();
        // One HTTP/2 connection (the handler's default): the burst is 64 streams on it, 8 at a time as the sidecar's
        // SETTINGS allow.
        using var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false };
        using var h2 = new HttpClient(handler) { BaseAddress = sidecar.Client.BaseAddress };
        var tasks = Enumerable.Range(0, burst).Select(async _ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/delay/50") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await h2.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        await Task.WhenAll(tasks);

        Assert.Equal(burst, pod.RequestCount);
        // At least two: the streams really overlapped, so the bound was reached for, not trivially met.
        Assert.InRange(pod.ConnectionCount, 2, limit);
        var upstream = TestSidecar.Series(await sidecar.MetricsAsync(Ct), "headless_sidecar_upstream_connections", ("pod", "web-0"));
        Assert.NotNull(upstream);
        Assert.InRange(upstream.Value, 1, limit);
    }

    [Fact]
    public async Task H2cFromApp_SamePortAsHttp11()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        using var h2 = new HttpClient { BaseAddress = sidecar.Client.BaseAddress };
        for (var i = 0; i < 4; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/h2") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await h2.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(HttpVersion.Version20, response.Version);
            // Upstream stays HTTP/1.1 (UpstreamHttpVersion default).
            Assert.Equal("HTTP/1.1", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("protocol").GetString());
        }
        using var h1 = await sidecar.Client.GetAsync("/h1", Ct);
        Assert.Equal(HttpVersion.Version11, h1.Version);
    }

    [Fact]
    public async Task H2cFromApp_PinnedPostWithoutLength_GoesUpstreamAsChunkedHttp11()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        using var h2 = new HttpClient { BaseAddress = sidecar.Client.BaseAddress };
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(new byte[3000], Ct);
        await pipe.Writer.CompleteAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload?x=1")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            // A stream of unknown length: the app's h2c request has no Content-Length.
            Content = new StreamContent(pipe.Reader.AsStream()),
        };
        request.Headers.Add("X-Headless-Ordinal", "1");
        request.Headers.TE.ParseAdd("trailers");

        using var response = await h2.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("web-1", response.Headers.GetValues("X-Headless-Pod").Single());
        var seen = cluster.Pods["web-1"].LastRequest!;
        Assert.Equal("HTTP/1.1", seen.Protocol);
        Assert.Equal("/upload", seen.Path);
        Assert.Equal("?x=1", seen.QueryString);
        Assert.Equal("chunked", seen.Headers["Transfer-Encoding"]);
        Assert.False(seen.Headers.ContainsKey("X-Headless-Ordinal"));
        Assert.False(seen.Headers.ContainsKey("TE"));
        Assert.Equal(0, cluster.Pods["web-0"].RequestCount);
    }

    [Fact]
    public async Task UpstreamHttp2_ToH2cOnlyKestrelPods_EachRequestBalanced()
    {
        await using var cluster = await TestCluster.StartAsync(3, HttpProtocols.Http2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:UpstreamHttpVersion"] = "2";
            // Round-robin's exact spread shows each request balanced on its own.
            s["Sidecar:Services:web:LoadBalancing"] = "RoundRobin";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        using var h2 = new HttpClient { BaseAddress = sidecar.Client.BaseAddress };
        var pods = new List<string>();
        // One app connection (h2c, multiplexed): requests on it are still balanced one by one.
        for (var i = 0; i < 9; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/grpc-like") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await h2.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal("HTTP/2", body.GetProperty("protocol").GetString());
            pods.Add(body.GetProperty("pod").GetString()!);
        }
        Assert.All(pods.GroupBy(p => p), g => Assert.Equal(3, g.Count()));
    }

    [Fact]
    public async Task UpstreamHttp2_ToNghttpdPods_Served()
    {
        var zone = new ClusterZone { Ttl = 1 };
        var addresses = LoopbackAddresses.Next(2);
        var port = LoopbackAddresses.FreePort(addresses);
        await using var pod0 = await NghttpdPod.StartAsync("web-0", addresses[0], port, Ct);
        await using var pod1 = await NghttpdPod.StartAsync("web-1", addresses[1], port, Ct);
        var service = zone.AddService(TestCluster.ServiceName, "default", ("web", port));
        service.AddPod("web-0", addresses[0]);
        service.AddPod("web-1", addresses[1]);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        await using var sidecar = await TestSidecar.StartAsync(dns.EndPoint, s => s["Sidecar:Services:web:UpstreamHttpVersion"] = "2", cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        var seen = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            // The app speaks HTTP/1.1; the sidecar speaks h2c to the HTTP/2-only pods.
            using var response = await sidecar.Client.GetAsync("/" + NghttpdPod.FileName, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var pod = response.Headers.GetValues("X-Headless-Pod").Single();
            Assert.Equal(pod == "web-0" ? pod0.FileContent : pod1.FileContent, await response.Content.ReadAsStringAsync(Ct));
            seen.Add(pod);
        }
        Assert.Equal(["web-0", "web-1"], seen.Order());
    }
}
