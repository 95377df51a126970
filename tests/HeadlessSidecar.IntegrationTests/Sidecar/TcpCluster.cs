using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// <see cref="TestCluster"/> for raw TCP: StatefulSet <c>web</c> of <see cref="TcpEchoPod"/>s behind headless Service
/// <c>nginx-headless</c>, served by a real Knot server.
/// </summary>
internal sealed class TcpCluster : IAsyncDisposable
{
    private TcpCluster(ClusterZone zone, HeadlessService service, TcpEchoPod[] pods, KnotDnsServer dns)
    {
        Zone = zone;
        Service = service;
        Pods = pods;
        Dns = dns;
    }

    public ClusterZone Zone { get; }

    public HeadlessService Service { get; }

    public TcpEchoPod[] Pods { get; }

    public KnotDnsServer Dns { get; }

    public static async Task<TcpCluster> StartAsync(int pods, CancellationToken cancellationToken = default)
    {
        var set = TcpEchoPod.StartSet(pods);
        var zone = new ClusterZone { Ttl = 1, NegativeTtl = 1 };
        var service = zone.AddService(TestCluster.ServiceName, "default", ("web", set[0].EndPoint.Port));
        foreach (var pod in set)
        {
            service.AddPod(pod.Name, pod.EndPoint.Address);
        }
        try
        {
            return new TcpCluster(zone, service, set, await KnotDnsServer.StartAsync(zone, cancellationToken));
        }
        catch
        {
            foreach (var pod in set)
            {
                await pod.DisposeAsync();
            }
            throw;
        }
    }

    /// <summary>Publishes the zone's current state (the next refresh of the sidecar sees it).</summary>
    public Task ReloadAsync() => Dns.ReloadAsync();

    public async ValueTask DisposeAsync()
    {
        await Dns.DisposeAsync();
        foreach (var pod in Pods)
        {
            await pod.DisposeAsync();
        }
    }
}
