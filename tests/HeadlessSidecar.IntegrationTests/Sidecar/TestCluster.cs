using System.Net;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// A StatefulSet <c>web</c> behind headless Service <c>nginx-headless</c> in <c>default</c>: real loopback pods,
/// and a real Knot server serving the CoreDNS-shaped zone for them.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private TestCluster(ClusterZone zone, HeadlessService service, LoopbackPodSet pods, KnotDnsServer dns)
    {
        Zone = zone;
        Service = service;
        Pods = pods;
        Dns = dns;
    }

    public const string ServiceName = "nginx-headless";
    public const string Fqdn = "nginx-headless.default.svc.cluster.local";

    public ClusterZone Zone { get; }

    public HeadlessService Service { get; }

    public LoopbackPodSet Pods { get; }

    public KnotDnsServer Dns { get; }

    public static async Task<TestCluster> StartAsync(int pods = 3, HttpProtocols protocols = HttpProtocols.Http1, CancellationToken cancellationToken = default)
    {
        var set = await LoopbackPodSet.StartAsync("web", pods, protocols: protocols, cancellationToken: cancellationToken);
        var zone = new ClusterZone { Ttl = 1, NegativeTtl = 1 };
        var service = zone.AddService(ServiceName, "default", ("web", set.Port));
        foreach (var pod in set.Pods)
        {
            service.AddPod(pod.Name, pod.Address);
        }
        try
        {
            var dns = await KnotDnsServer.StartAsync(zone, cancellationToken);
            return new TestCluster(zone, service, set, dns);
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }
    }

    /// <summary>Publishes the zone's current state (the next refresh of the sidecar sees it).</summary>
    public Task ReloadAsync() => Dns.ReloadAsync();

    public async ValueTask DisposeAsync()
    {
        await Dns.DisposeAsync();
        await Pods.DisposeAsync();
    }
}
