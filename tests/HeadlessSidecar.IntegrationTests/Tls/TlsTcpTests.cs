using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Tls;

/// <summary>
/// Contract section 9 on a <c>Tcp</c> service: a plaintext Redis client on localhost, the sidecar speaking TLS
/// (with a client certificate) to redis-server pods that accept nothing else.
/// </summary>
public sealed class TlsTcpTests
{
    private const string ServiceFqdn = "redis-headless.default.svc.cluster.local";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string PodFqdn(string pod) => $"{pod}.{ServiceFqdn}";

    private sealed class RedisTlsCluster : IAsyncDisposable
    {
        public required TestPki Pki { get; init; }

        public required RedisTlsPod[] Pods { get; init; }

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

    private static async Task<RedisTlsCluster> StartClusterAsync(int count, int? wrongNameOrdinal = null)
    {
        var pki = await TestPki.CreateAsync(Ct);
        var addresses = LoopbackAddresses.Next(count);
        var port = LoopbackAddresses.FreePort(addresses);
        var pods = new List<RedisTlsPod>();
        for (var i = 0; i < count; i++)
        {
            var name = $"redis-{i.ToString(CultureInfo.InvariantCulture)}";
            var certificate = i == wrongNameOrdinal
                ? await pki.WrongNameCertificateAsync(Ct)
                : await pki.PodCertificateAsync(PodFqdn(name), cancellationToken: Ct);
            pods.Add(await RedisTlsPod.StartAsync(name, addresses[i], certificate, port,
                TlsClientVerification.Required, pki.RootCaPath, cancellationToken: Ct));
        }
        var zone = new ClusterZone { Ttl = 1, NegativeTtl = 1 };
        var service = zone.AddService("redis-headless", "default", ("redis", port));
        foreach (var pod in pods)
        {
            service.AddPod(pod.Name, pod.Address);
        }
        return new RedisTlsCluster { Pki = pki, Pods = [.. pods], Dns = await KnotDnsServer.StartAsync(zone, Ct) };
    }

    private static Task<TestSidecar> StartSidecarAsync(RedisTlsCluster cluster, string mode, TlsFiles? client, Action<Dictionary<string, string?>>? configure = null) =>
        TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Host"] = "redis-headless";
            s["Sidecar:Services:web:PortName"] = "redis";
            s["Sidecar:Services:web:Protocol"] = "Tcp";
            if (client is null)
            {
                TlsSettings.Set(s, mode, cluster.Pki.RootCaPath);
            }
            else
            {
                TlsSettings.Set(s, mode, cluster.Pki.RootCaPath, client);
            }
            configure?.Invoke(s);
        }, cancellationToken: Ct);

    /// <summary>Sends an inline command as a plaintext client and reads until the reply line or the connection closes.</summary>
    private static async Task<string> CommandAsync(IPEndPoint endPoint, string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endPoint, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var reply = new StringBuilder();
        var buffer = new byte[256];
        try
        {
            int read;
            while (!reply.ToString().Contains("\r\n", StringComparison.Ordinal) && (read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // Reset by the sidecar: the reply so far (none) is the answer.
        }
        return reply.ToString();
    }

    [Fact]
    public async Task Ping_PlaintextClientThroughMutualTls_Pong()
    {
        await using var cluster = await StartClusterAsync(2);
        var client = await cluster.Pki.IssueClientAsync("cache-client", TlsKeyFormat.EcSec1, cancellationToken: Ct);
        await using var sidecar = await StartSidecarAsync(cluster, "MutualTls", client);
        await sidecar.WaitForPodsAsync(["redis-0", "redis-1"], cancellationToken: Ct);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("+PONG\r\n", await CommandAsync(sidecar.Listen, "PING"));
        }

        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_tls_handshakes_total", ("pod", "redis-0"), ("result", "success")) >= 1, metrics);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_tls_handshakes_total", ("pod", "redis-1"), ("result", "success")) >= 1, metrics);
    }

    [Fact]
    public async Task Ping_OnePodWithAWrongNameCertificate_ConnectionsMoveOnWithTlsError()
    {
        await using var cluster = await StartClusterAsync(2, wrongNameOrdinal: 0);
        var client = await cluster.Pki.IssueClientAsync("cache-client", cancellationToken: Ct);
        await using var sidecar = await StartSidecarAsync(cluster, "MutualTls", client, s =>
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "100");
        await sidecar.WaitForPodsAsync(["redis-0", "redis-1"], cancellationToken: Ct);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("+PONG\r\n", await CommandAsync(sidecar.Listen, "PING"));
        }

        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_failovers_total",
            ("from_pod", "redis-0"), ("to_pod", "redis-1"), ("reason", "tls_error")) >= 1, metrics);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_tls_handshakes_total", ("pod", "redis-0"), ("result", "failure")) >= 1, metrics);
    }

    [Fact]
    public async Task Ping_PodRequiresClientCertificate_TlsWithoutOne_NoPong()
    {
        await using var cluster = await StartClusterAsync(1);
        await using var sidecar = await StartSidecarAsync(cluster, "Tls", client: null);
        await sidecar.WaitForPodsAsync(["redis-0"], cancellationToken: Ct);

        Assert.DoesNotContain("PONG", await CommandAsync(sidecar.Listen, "PING"), StringComparison.Ordinal);
        Assert.Contains("peer did not return a certificate", cluster.Pods[0].Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisProbe_OverMutualTls_RolesLearnedFromEveryPod()
    {
        await using var cluster = await StartClusterAsync(2);
        var client = await cluster.Pki.IssueClientAsync("cache-client", cancellationToken: Ct);
        await using var sidecar = await StartSidecarAsync(cluster, "MutualTls", client, s =>
        {
            s["Sidecar:Services:web:Health:Check"] = "Redis";
            s["Sidecar:Services:web:Health:ProbeInterval"] = "200ms";
        });

        // ROLE's answer arrives only over a handshake the pod accepted, with the client certificate.
        foreach (var pod in cluster.Pods)
        {
            await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_pod_role",
                ("pod", pod.Name), ("role", "primary")) == 1, $"{pod.Name} probed as a primary", Ct);
        }
        // Each probe round is a new handshake: a second one with redis-1 follows within a probe interval or two.
        await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_tls_handshakes_total",
            ("pod", "redis-1"), ("result", "success")) >= 2, "a second probe handshake with redis-1", Ct);
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_endpoints", ("service", "web"), ("state", "ejected")));
    }

    [Fact]
    public async Task ConnectProbe_MutualTlsService_EachProbeCompletesAHandshake()
    {
        await using var cluster = await StartClusterAsync(2);
        var client = await cluster.Pki.IssueClientAsync("cache-client", cancellationToken: Ct);
        await using var sidecar = await StartSidecarAsync(cluster, "MutualTls", client, s =>
        {
            s["Sidecar:Services:web:Health:Check"] = "Connect";
            s["Sidecar:Services:web:Health:ProbeInterval"] = "100ms";
        });

        // No app traffic: only probes make handshakes.
        foreach (var pod in cluster.Pods)
        {
            await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_tls_handshakes_total",
                ("pod", pod.Name), ("result", "success")) >= 3, $"probe handshakes with {pod.Name}", Ct);
        }
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tls_handshakes_total", ("pod", "redis-0"), ("result", "failure")));
        Assert.Equal(2, TestSidecar.Series(metrics, "headless_sidecar_endpoints", ("service", "web"), ("state", "healthy")));
    }
}
