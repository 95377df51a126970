using System.Net;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>A headless Service (clusterIP: None) with named TCP ports and the pods behind it.</summary>
public sealed class HeadlessService
{
    private readonly List<ClusterPod> _pods = [];

    internal HeadlessService(string name, string @namespace, string clusterDomain, IReadOnlyList<(string Name, int Port)> ports)
    {
        DnsNames.ThrowIfNotLabel(name, nameof(name));
        DnsNames.ThrowIfNotLabel(@namespace, nameof(@namespace));
        foreach (var (portName, port) in ports)
        {
            DnsNames.ThrowIfNotLabel(portName, nameof(ports));
            ArgumentOutOfRangeException.ThrowIfLessThan(port, 1, nameof(ports));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535, nameof(ports));
        }

        if (ports.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() != ports.Count)
        {
            throw new ArgumentException("Port names must be unique.", nameof(ports));
        }

        Name = name;
        Namespace = @namespace;
        Ports = [.. ports];
        Fqdn = $"{name}.{@namespace}.svc.{clusterDomain}";
    }

    public string Name { get; }

    public string Namespace { get; }

    /// <summary>Named TCP ports; each gets <c>_name._tcp.&lt;service&gt;</c> SRV records.</summary>
    public IReadOnlyList<(string Name, int Port)> Ports { get; }

    /// <summary><c>publishNotReadyAddresses: true</c>: not-ready pods are served too.</summary>
    public bool PublishNotReadyAddresses { get; set; }

    public IReadOnlyList<ClusterPod> Pods => _pods;

    /// <summary>The pods DNS serves: the ready ones, or all of them when not-ready addresses are published.</summary>
    public IEnumerable<ClusterPod> PublishedPods => _pods.Where(p => p.Ready || PublishNotReadyAddresses);

    /// <summary><c>nginx-headless.default.svc.cluster.local</c> (no trailing dot).</summary>
    public string Fqdn { get; }

    /// <summary><c>_web._tcp.nginx-headless.default.svc.cluster.local</c>.</summary>
    public string SrvName(string portName)
    {
        DnsNames.ThrowIfNotLabel(portName, nameof(portName));
        return $"_{portName}._tcp.{Fqdn}";
    }

    /// <summary><c>web-0.nginx-headless.default.svc.cluster.local</c>, or the dashed-address name for a pod without a hostname.</summary>
    public string PodFqdn(ClusterPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return $"{pod.HostLabel}.{Fqdn}";
    }

    public string PodFqdn(string podName) => PodFqdn(Pod(podName));

    public ClusterPod AddPod(string name, IPAddress address, bool hasHostname = true, bool ready = true)
    {
        if (_pods.Any(p => p.Name == name))
        {
            throw new InvalidOperationException($"Pod '{name}' already exists in {Fqdn}.");
        }

        var pod = new ClusterPod(name, address, hasHostname, ready);
        _pods.Add(pod);
        return pod;
    }

    public ClusterPod Pod(string name) =>
        _pods.Find(p => p.Name == name) ?? throw new KeyNotFoundException($"No pod '{name}' in {Fqdn}.");

    public bool RemovePod(string name) => _pods.RemoveAll(p => p.Name == name) > 0;

    public override string ToString() => Fqdn;
}
