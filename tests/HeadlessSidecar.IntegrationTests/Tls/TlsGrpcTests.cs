using System.Globalization;
using System.Net;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.IntegrationTests.Sidecar.Grpc;

namespace HeadlessSidecar.IntegrationTests.Tls;

/// <summary>
/// gRPC over TLS (contract section 9): the app calls the sidecar in h2c, the sidecar calls Grpc.AspNetCore pods
/// over TLS with ALPN <c>h2</c> (<c>UpstreamHttpVersion: 2</c>).
/// </summary>
public sealed class TlsGrpcTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class GrpcTlsCluster : IAsyncDisposable
    {
        public required TestPki Pki { get; init; }

        public required GrpcTlsPod[] Pods { get; init; }

        public required KnotDnsServer Dns { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Dns.DisposeAsync();
            foreach (var pod in Pods)
            {
                await pod.DisposeAsync();
            }
            Pki.Dispose();
        }
    }

    private static async Task<GrpcTlsCluster> StartClusterAsync(int count, TlsClientVerification clientVerification)
    {
        var pki = await TestPki.CreateAsync(Ct);
        var addresses = LoopbackAddresses.Next(count);
        var port = LoopbackAddresses.FreePort(addresses);
        var pods = new List<GrpcTlsPod>();
        for (var i = 0; i < count; i++)
        {
            var name = $"web-{i.ToString(CultureInfo.InvariantCulture)}";
            pods.Add(await GrpcTlsPod.StartAsync(name, addresses[i], port,
                await pki.PodCertificateAsync(NginxTlsCluster.PodFqdn(name), cancellationToken: Ct), clientVerification, pki.RootCaPath, Ct));
        }
        var zone = new ClusterZone { Ttl = 1, NegativeTtl = 1 };
        var service = zone.AddService(TestCluster.ServiceName, "default", ("web", port));
        foreach (var pod in pods)
        {
            service.AddPod(pod.Name, pod.Address);
        }
        return new GrpcTlsCluster { Pki = pki, Pods = [.. pods], Dns = await KnotDnsServer.StartAsync(zone, Ct) };
    }

    private static GrpcChannel Channel(TestSidecar sidecar) => GrpcChannel.ForAddress($"http://{sidecar.Listen}", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { UseProxy = false },
        DisposeHttpClient = true,
    });

    private static async Task<string> EchoAsync(CallInvoker invoker) =>
        await invoker.AsyncUnaryCall(TestGrpcService.Echo, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20), cancellationToken: Ct), "hi");

    [Fact]
    public async Task Echo_MutualTls_EachPodNegotiatesH2WithItsNameAndSeesTheClient()
    {
        await using var cluster = await StartClusterAsync(2, TlsClientVerification.Required);
        var client = await cluster.Pki.IssueClientAsync("grpc-app", TlsKeyFormat.RsaPkcs8, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:UpstreamHttpVersion"] = "2";
            TlsSettings.Set(s, "MutualTls", cluster.Pki.RootCaPath, client);
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        using var channel = Channel(sidecar);
        var invoker = channel.CreateCallInvoker();

        var answers = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await EchoAsync(invoker));
        }

        Assert.Equal(["web-0", "web-1"], answers.Order(StringComparer.Ordinal));
        foreach (var pod in cluster.Pods)
        {
            Assert.Equal("h2", pod.LastAlpn);
            Assert.Equal(NginxTlsCluster.PodFqdn(pod.Name), pod.LastServerName);
            Assert.Equal("CN=grpc-app, O=headless-sidecar tests", pod.LastClientSubject);
        }
    }

    [Fact]
    public async Task GrpcHealthCheck_OverTls_NotServingPodEjected()
    {
        await using var cluster = await StartClusterAsync(2, TlsClientVerification.Off);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:UpstreamHttpVersion"] = "2";
            s["Sidecar:Services:web:Health:Check"] = "Grpc";
            s["Sidecar:Services:web:Health:ProbeInterval"] = "100ms";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "2";
            TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath);
        }, cancellationToken: Ct);
        await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_tls_handshakes_total",
            ("pod", "web-1"), ("result", "success")) >= 1, "a probe handshake with web-1", Ct);

        cluster.Pods[1].SetServing(false);

        // Named pods, not the ejected count: on a busy machine a probe of web-0 can also miss its deadline now and then.
        await sidecar.WaitUntilAsync(async ct => await Faults.FaultSteps.PodStateAsync(sidecar, "web-1", ct) == "ejected"
            && await Faults.FaultSteps.PodStateAsync(sidecar, "web-0", ct) == "healthy", "web-1 ejected by its gRPC health, web-0 healthy", Ct);
        using var channel = Channel(sidecar);
        Assert.Equal("web-0", await EchoAsync(channel.CreateCallInvoker()));
    }

    [Fact]
    public async Task Echo_PodRequiresClientCertificate_TlsWithoutOne_UnavailableNamingTheCause()
    {
        await using var cluster = await StartClusterAsync(1, TlsClientVerification.Required);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:UpstreamHttpVersion"] = "2";
            TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath);
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        using var channel = Channel(sidecar);

        var error = await Assert.ThrowsAsync<RpcException>(() => EchoAsync(channel.CreateCallInvoker()));

        Assert.True(error.StatusCode == StatusCode.Unavailable, $"{error.StatusCode}: {error.Status.Detail}");
        Assert.True(error.Status.Detail.Contains("client certificate", StringComparison.OrdinalIgnoreCase), error.Status.Detail);
        Assert.Equal(0, cluster.Pods[0].Behaviour.Calls);
    }

    [Fact]
    public async Task Get_UpstreamHttp2ToPodWithoutH2_502NamingNoH2()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(1, Ct, http2: false);
        await using var sidecar = await cluster.StartSidecarAsync(s =>
        {
            s["Sidecar:Services:web:UpstreamHttpVersion"] = "2";
            TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath);
        }, Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        using var response = await sidecar.Client.GetAsync("/", Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains("no h2", error.RootElement.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Get_UpstreamHttp2ToNginxWithH2_ServedOverHttp2()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(1, Ct, http2: true);
        await using var sidecar = await cluster.StartSidecarAsync(s =>
        {
            s["Sidecar:Services:web:UpstreamHttpVersion"] = "2";
            TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath);
        }, Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        var (response, body) = await NginxTlsCluster.GetAsync(sidecar, "/", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(NginxTlsCluster.PodFqdn("web-0"), body?.GetProperty("sni").GetString());
        Assert.Equal("HTTP/2.0", body?.GetProperty("http").GetString());
    }
}
