using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Tls;

/// <summary>
/// Contract section 9 over HTTP/1.1: the app speaks plaintext to the real sidecar, which speaks TLS to nginx pods
/// found in a real DNS zone; the pods report the SNI name, client certificate and session reuse they saw.
/// </summary>
public sealed class TlsHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string? Field(JsonElement? body, string name) => body?.GetProperty(name).GetString();

    [Fact]
    public async Task Get_PerPodCertificates_EachPodVerifiedBySniOfItsOwnName()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(3, Ct);
        await using var sidecar = await cluster.StartSidecarAsync(s => TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath), Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        var seen = new Dictionary<string, string?>();
        for (var i = 0; i < 9; i++)
        {
            var (response, body) = await NginxTlsCluster.GetAsync(sidecar, "/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            seen[Field(body, "pod")!] = Field(body, "sni");
            Assert.Equal(Field(body, "pod"), Assert.Single(response.Headers.GetValues("X-Headless-Pod")));
        }

        Assert.Equal(3, seen.Count);
        Assert.All(seen, p => Assert.Equal(NginxTlsCluster.PodFqdn(p.Key), p.Value));
    }

    [Fact]
    public async Task Get_WildcardCertificate_EveryPodServes()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(2, Ct,
            certificate: (pki, _, _) => pki.WildcardCertificateAsync(NginxTlsCluster.ServiceFqdn, Ct));
        await using var sidecar = await cluster.StartSidecarAsync(s => TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath), Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);

        var pods = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            var (response, body) = await NginxTlsCluster.GetAsync(sidecar, "/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(NginxTlsCluster.PodFqdn(Field(body, "pod")!), Field(body, "sni"));
            pods.Add(Field(body, "pod")!);
        }
        Assert.Equal(2, pods.Count);
    }

    [Fact]
    public async Task Get_ServerNameAndServiceOnlyCertificate_ThatNameSentToEveryPod()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(2, Ct,
            certificate: (pki, _, _) => pki.ServiceCertificateAsync(NginxTlsCluster.ServiceFqdn, Ct));
        await using var sidecar = await cluster.StartSidecarAsync(s =>
        {
            TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath);
            s["Sidecar:Services:web:Tls:ServerName"] = NginxTlsCluster.ServiceFqdn;
        }, Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);

        var pods = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            var (response, body) = await NginxTlsCluster.GetAsync(sidecar, "/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(NginxTlsCluster.ServiceFqdn, Field(body, "sni"));
            pods.Add(Field(body, "pod")!);
        }
        Assert.Equal(2, pods.Count);
    }

    public static TheoryData<string, string> BadCertificates => new()
    {
        { "wrong-name", "name mismatch" },
        { "untrusted", "untrusted" },
        { "expired", "expired" },
    };

    private static Task<TlsFiles> BadCertificateAsync(TestPki pki, string kind, string podFqdn) => kind switch
    {
        "wrong-name" => pki.WrongNameCertificateAsync(Ct),
        "untrusted" => pki.UntrustedCertificateAsync(podFqdn, Ct),
        _ => pki.ExpiredCertificateAsync(podFqdn, Ct),
    };

    [Theory]
    [MemberData(nameof(BadCertificates))]
    public async Task Get_OnlyPodFailsVerification_502UpstreamFailedNamingTheCause(string kind, string cause)
    {
        await using var cluster = await NginxTlsCluster.StartAsync(1, Ct, certificate: (pki, _, fqdn) => BadCertificateAsync(pki, kind, fqdn));
        await using var sidecar = await cluster.StartSidecarAsync(s => TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath), Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        using var response = await sidecar.Client.GetAsync("/", Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_failed", Assert.Single(response.Headers.GetValues("X-Headless-Error")));
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var detail = error.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains(cause, detail, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(cluster.Pod("web-0").ReadAccessLog());
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_tls_handshakes_total", ("pod", "web-0"), ("result", "failure")) >= 1, metrics);
    }

    [Fact]
    public async Task Get_MinVersionTls13AndPodOnlyTls12_502NamingProtocol()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(1, Ct, protocols: "TLSv1.2");
        await using var sidecar = await cluster.StartSidecarAsync(s =>
        {
            TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath);
            s["Sidecar:Services:web:Tls:MinVersion"] = "Tls13";
        }, Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        using var response = await sidecar.Client.GetAsync("/", Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains("protocol", error.RootElement.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Get_TlsToAPlaintextPod_502NamingProtocol()
    {
        // A common slip: Tls set on a service whose port speaks plaintext HTTP.
        var address = LoopbackAddresses.Next();
        await using var pod = await LoopbackHttpPod.StartAsync("web-0", address, cancellationToken: Ct);
        using var pki = await TestPki.CreateAsync(Ct);
        var zone = new ClusterZone { Ttl = 1, NegativeTtl = 1 };
        zone.AddService(TestCluster.ServiceName, "default", ("web", pod.Port)).AddPod("web-0", address);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        await using var sidecar = await TestSidecar.StartAsync(dns.EndPoint, s => TlsSettings.Set(s, "Tls", pki.RootCaPath), cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        using var response = await sidecar.Client.GetAsync("/", Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains("protocol", error.RootElement.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, pod.RequestCount);
    }

    [Fact]
    public async Task Post_FirstPodFailsHandshake_FailsOverWithReasonTlsError()
    {
        // A POST is not idempotent: it may move only because the handshake failed before anything was sent.
        await using var cluster = await NginxTlsCluster.StartAsync(2, Ct,
            certificate: (pki, i, fqdn) => i == 0 ? pki.WrongNameCertificateAsync(Ct) : pki.PodCertificateAsync(fqdn, cancellationToken: Ct));
        await using var sidecar = await cluster.StartSidecarAsync(s =>
        {
            TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath);
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "100";
        }, Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);

        for (var i = 0; i < 4; i++)
        {
            using var response = await sidecar.Client.PostAsync("/", new StringContent("{\"order\":7}"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("web-1", Assert.Single(response.Headers.GetValues("X-Headless-Pod")));
        }

        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_failovers_total",
            ("from_pod", "web-0"), ("to_pod", "web-1"), ("reason", "tls_error")) >= 1, metrics);
        Assert.Empty(cluster.Pod("web-0").ReadAccessLog());
    }

    [Theory]
    [InlineData(TlsKeyFormat.EcPkcs8)]
    [InlineData(TlsKeyFormat.EcSec1)]
    [InlineData(TlsKeyFormat.RsaPkcs8)]
    [InlineData(TlsKeyFormat.RsaPkcs1)]
    public async Task Get_MutualTls_PodSeesTheClientCertificateSubject(TlsKeyFormat format)
    {
        await using var cluster = await NginxTlsCluster.StartAsync(2, Ct, clientVerification: TlsClientVerification.Required);
        var client = await cluster.Pki.IssueClientAsync("orders-app", format, cancellationToken: Ct);
        await using var sidecar = await cluster.StartSidecarAsync(s => TlsSettings.Set(s, "MutualTls", cluster.Pki.RootCaPath, client), Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);

        for (var i = 0; i < 4; i++)
        {
            var (response, body) = await NginxTlsCluster.GetAsync(sidecar, "/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(TestPki.ClientSubject("orders-app"), Field(body, "client"));
            Assert.Equal("SUCCESS", Field(body, "verify"));
        }
    }

    [Fact]
    public async Task Get_TlsWithoutClientCertificate_PodRequiringOneAnswers400()
    {
        // nginx checks the client certificate after the handshake: its 400 passes through as the pod's answer.
        await using var cluster = await NginxTlsCluster.StartAsync(1, Ct, clientVerification: TlsClientVerification.Required);
        await using var sidecar = await cluster.StartSidecarAsync(s => TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath), Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        using var response = await sidecar.Client.GetAsync("/", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("web-0", Assert.Single(response.Headers.GetValues("X-Headless-Pod")));
    }

    [Fact]
    public async Task Get_PodClosesEveryConnection_LaterHandshakesResumeTheSession()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(1, Ct, keepAliveRequests: 1);
        await using var sidecar = await cluster.StartSidecarAsync(s => TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath), Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        const int Requests = 12;

        for (var i = 0; i < Requests; i++)
        {
            var (response, _) = await NginxTlsCluster.GetAsync(sidecar, "/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var pod = cluster.Pod("web-0");
        await Poll.UntilAsync(_ => Task.FromResult(pod.ReadAccessLog().Count >= Requests), "the pod's access log", cancellationToken: Ct);
        var log = pod.ReadAccessLog();
        var resumed = log.Count(r => r.SessionReused);
        TestContext.Current.TestOutputHelper?.WriteLine($"{log.Count} requests on new connections, {resumed} resumed handshakes");
        Assert.True(resumed >= Requests - 2, $"{resumed} of {log.Count} handshakes resumed");
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_tls_handshakes_total", ("pod", "web-0"), ("result", "success")) >= Requests, metrics);
    }

    [Fact]
    public async Task HttpProbe_TlsService_ProbesArriveOverTlsWithThePodsName()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(2, Ct);
        await using var sidecar = await cluster.StartSidecarAsync(s =>
        {
            TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath);
            s["Sidecar:Services:web:Health:ProbePath"] = "/healthz";
            s["Sidecar:Services:web:Health:ProbeInterval"] = "200ms";
        }, Ct);

        foreach (var pod in cluster.Pods)
        {
            await Poll.UntilAsync(_ => Task.FromResult(pod.ReadAccessLog().Count(r => r.Path == "/healthz") >= 2), $"probes of {pod.Name}",
                cancellationToken: Ct);
            Assert.All(pod.ReadAccessLog(), r => Assert.Equal(NginxTlsCluster.PodFqdn(pod.Name), r.ServerName));
            Assert.All(pod.ReadAccessLog(), r => Assert.Equal(200, r.Status));
        }
    }

    [Fact]
    public async Task ConnectProbe_PodWithWrongName_EjectedWhileTheOtherStaysHealthy()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(2, Ct,
            certificate: (pki, i, fqdn) => i == 0 ? pki.WrongNameCertificateAsync(Ct) : pki.PodCertificateAsync(fqdn, cancellationToken: Ct));
        await using var sidecar = await cluster.StartSidecarAsync(s =>
        {
            TlsSettings.Set(s, "Tls", cluster.Pki.RootCaPath);
            s["Sidecar:Services:web:Health:Check"] = "Connect";
            s["Sidecar:Services:web:Health:ProbeInterval"] = "100ms";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "2";
            s["Sidecar:Services:web:Health:EjectFor"] = "1m";
        }, Ct);

        // A TCP connect alone would pass: only a handshake finds the wrong certificate.
        await sidecar.WaitUntilAsync(async ct => (await sidecar.PeersAsync(cancellationToken: ct)).GetProperty("pods").EnumerateArray()
            .Any(p => p.GetProperty("name").GetString() == "web-0" && p.GetProperty("state").GetString() == "ejected"), "web-0 ejected", Ct);
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_tls_handshakes_total", ("pod", "web-0"), ("result", "failure")) >= 2, metrics);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_tls_handshakes_total", ("pod", "web-1"), ("result", "success")) >= 2, metrics);
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tls_handshakes_total", ("pod", "web-1"), ("result", "failure")));
        var (response, _) = await NginxTlsCluster.GetAsync(sidecar, "/", Ct);
        Assert.Equal("web-1", Assert.Single(response.Headers.GetValues("X-Headless-Pod")));
    }

    [Fact]
    public async Task Metrics_MutualTls_ExpiryOfClientAndCaReloadsAtZero_PromtoolClean()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(1, Ct, clientVerification: TlsClientVerification.Required);
        var client = await cluster.Pki.IssueClientAsync("orders-app", cancellationToken: Ct);
        await using var sidecar = await cluster.StartSidecarAsync(s => TlsSettings.Set(s, "MutualTls", cluster.Pki.RootCaPath, client), Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        var (response, _) = await NginxTlsCluster.GetAsync(sidecar, "/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var metrics = await sidecar.MetricsAsync(Ct);

        // The client chain's earliest notAfter is the leaf's (the intermediate outlives it); the CA file holds one root.
        using var root = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(cluster.Pki.RootCaPath, Ct));
        Assert.Equal(client.NotAfter.ToUnixTimeSeconds(),
            TestSidecar.Series(metrics, "headless_sidecar_tls_certificate_expiry_timestamp_seconds", ("service", "web"), ("kind", "client")));
        Assert.Equal(new DateTimeOffset(root.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(),
            TestSidecar.Series(metrics, "headless_sidecar_tls_certificate_expiry_timestamp_seconds", ("service", "web"), ("kind", "ca")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tls_reloads_total", ("service", "web"), ("result", "success")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tls_reloads_total", ("service", "web"), ("result", "failure")));
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_tls_handshakes_total", ("service", "web"), ("pod", "web-0"), ("result", "success")) >= 1);
        var (exitCode, output) = await Promtool.CheckMetricsAsync(metrics, Ct);
        Assert.True(exitCode == 0, output + metrics);
    }
}
