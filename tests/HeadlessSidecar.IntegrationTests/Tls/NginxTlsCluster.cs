using System.Globalization;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Tls;

/// <summary>
/// StatefulSet <c>web</c> behind headless Service <c>nginx-headless</c> (namespace <c>default</c>, port name
/// <c>web</c>) served by <see cref="NginxTlsPod"/>s, with its own <see cref="TestPki"/> and a real Knot server.
/// Each pod gets a certificate for its own DNS name unless the test chooses another.
/// </summary>
internal sealed class NginxTlsCluster : IAsyncDisposable
{
    public const string ServiceFqdn = TestCluster.ServiceName + ".default.svc.cluster.local";

    private NginxTlsCluster(TestPki pki, NginxTlsPod[] pods, KnotDnsServer dns)
    {
        Pki = pki;
        Pods = pods;
        Dns = dns;
    }

    public TestPki Pki { get; }

    public IReadOnlyList<NginxTlsPod> Pods { get; }

    public KnotDnsServer Dns { get; }

    public static string PodFqdn(string pod) => $"{pod}.{ServiceFqdn}";

    /// <summary>
    /// Starts <paramref name="count"/> pods <c>web-0</c>…; <paramref name="certificate"/> picks each pod's
    /// certificate (by pod index and DNS name), its own per-pod certificate by default.
    /// </summary>
    public static async Task<NginxTlsCluster> StartAsync(
        int count,
        CancellationToken cancellationToken,
        Func<TestPki, int, string, Task<TlsFiles>>? certificate = null,
        TlsClientVerification clientVerification = TlsClientVerification.Off,
        bool http2 = false,
        int keepAliveRequests = 100_000,
        TestPki? pki = null,
        string protocols = "TLSv1.2 TLSv1.3")
    {
        pki ??= await TestPki.CreateAsync(cancellationToken);
        var addresses = LoopbackAddresses.Next(count);
        var port = LoopbackAddresses.FreePort(addresses);
        var pods = new List<NginxTlsPod>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var name = $"web-{i.ToString(CultureInfo.InvariantCulture)}";
                var files = certificate is null
                    ? await pki.PodCertificateAsync(PodFqdn(name), cancellationToken: cancellationToken)
                    : await certificate(pki, i, PodFqdn(name));
                pods.Add(await NginxTlsPod.StartAsync(name, addresses[i], files, port, clientVerification,
                    clientVerification == TlsClientVerification.Off ? null : pki.RootCaPath, http2, keepAliveRequests, protocols, cancellationToken));
            }

            var zone = new ClusterZone { Ttl = 1, NegativeTtl = 1 };
            var service = zone.AddService(TestCluster.ServiceName, "default", ("web", port));
            foreach (var pod in pods)
            {
                service.AddPod(pod.Name, pod.Address);
            }

            var dns = await KnotDnsServer.StartAsync(zone, cancellationToken);
            return new NginxTlsCluster(pki, [.. pods], dns);
        }
        catch
        {
            foreach (var pod in pods)
            {
                await pod.DisposeAsync();
            }
            pki.Dispose();
            throw;
        }
    }

    public NginxTlsPod Pod(string name) => Pods.Single(p => p.Name == name);

    /// <summary>Starts the in-process sidecar on this cluster with <c>Tls</c> keys set by <paramref name="configure"/>.</summary>
    public Task<TestSidecar> StartSidecarAsync(Action<Dictionary<string, string?>> configure, CancellationToken cancellationToken) =>
        TestSidecar.StartAsync(Dns.EndPoint, configure, cancellationToken: cancellationToken);

    /// <summary>GET through the sidecar; the pod's JSON body when it answered 200.</summary>
    public static async Task<(HttpResponseMessage Response, JsonElement? Body)> GetAsync(TestSidecar sidecar, string path, CancellationToken cancellationToken)
    {
        var response = await sidecar.Client.GetAsync(path, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonElement? body = response.IsSuccessStatusCode && text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : null;
        return (response, body);
    }

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
