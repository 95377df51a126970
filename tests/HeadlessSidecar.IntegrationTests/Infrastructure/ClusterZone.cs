using System.Net;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A mutable model of what cluster DNS serves for headless Services, rendered as zone files shaped like
/// CoreDNS's kubernetes plugin answers (shared/COREDNS.md). Change it, then reload the server.
/// Not thread-safe: a test mutates it between reloads.
/// </summary>
public sealed class ClusterZone
{
    public const string ReverseZoneV4 = "in-addr.arpa";
    public const string ReverseZoneV6 = "ip6.arpa";

    private readonly List<HeadlessService> _services = [];
    private int _ttl = 5;
    private int _negativeTtl = 5;

    public ClusterZone(string clusterDomain = "cluster.local")
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterDomain);
        foreach (var label in clusterDomain.Split('.'))
        {
            DnsNames.ThrowIfNotLabel(label, nameof(clusterDomain));
        }

        ClusterDomain = clusterDomain;
    }

    public string ClusterDomain { get; }

    /// <summary>TTL of every positive record: the plugin's <c>ttl</c> (default 5 s).</summary>
    public int Ttl
    {
        get => _ttl;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _ttl = value;
        }
    }

    /// <summary>TTL of negative answers (NXDOMAIN, NODATA): the SOA minimum and the SOA's own TTL.</summary>
    public int NegativeTtl
    {
        get => _negativeTtl;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _negativeTtl = value;
        }
    }

    public EmptyServiceAnswer EmptyServiceAnswer { get; set; } = EmptyServiceAnswer.NoData;

    /// <summary>The serial of the last render; every render increases it.</summary>
    public uint Serial { get; private set; }

    public IReadOnlyList<HeadlessService> Services => _services;

    /// <summary>The zones this model renders: like the default Corefile's <c>kubernetes cluster.local in-addr.arpa ip6.arpa</c>.</summary>
    public IReadOnlyList<string> Origins => [ClusterDomain, ReverseZoneV4, ReverseZoneV6];

    public HeadlessService AddService(string name, string @namespace, params (string Name, int Port)[] ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        if (FindService(name, @namespace) is not null)
        {
            throw new InvalidOperationException($"Service '{name}.{@namespace}' already exists.");
        }

        var service = new HeadlessService(name, @namespace, ClusterDomain, ports);
        _services.Add(service);
        return service;
    }

    public HeadlessService Service(string name, string @namespace) =>
        FindService(name, @namespace) ?? throw new KeyNotFoundException($"No service '{name}.{@namespace}'.");

    public HeadlessService? FindService(string name, string @namespace) =>
        _services.Find(s => s.Name == name && s.Namespace == @namespace);

    /// <summary>Deletes the Service: its names answer NXDOMAIN after the next reload.</summary>
    public bool RemoveService(string name, string @namespace) =>
        _services.RemoveAll(s => s.Name == name && s.Namespace == @namespace) > 0;

    /// <summary>
    /// Renders every zone in <see cref="Origins"/> with a new, higher serial. <paramref name="nameServerAddress"/>
    /// becomes the address of <c>ns.dns.&lt;domain&gt;</c>, as CoreDNS serves its own.
    /// </summary>
    public IReadOnlyList<ZoneFile> Render(IPAddress? nameServerAddress = null)
    {
        Serial = checked(Serial + 1);
        var renderer = new ZoneFileRenderer(this, Serial);
        return
        [
            new ZoneFile(ClusterDomain, renderer.RenderClusterZone(nameServerAddress)),
            new ZoneFile(ReverseZoneV4, renderer.RenderReverseZone(ReverseZoneV4)),
            new ZoneFile(ReverseZoneV6, renderer.RenderReverseZone(ReverseZoneV6)),
        ];
    }
}
