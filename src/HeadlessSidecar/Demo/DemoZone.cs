using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace HeadlessSidecar.Demo;

/// <summary>
/// One immutable view of cluster DNS for the demo StatefulSet, answering as CoreDNS's <c>kubernetes</c> plugin
/// (with <c>loadbalance</c> in front) does for a headless Service: see shared/COREDNS.md.
/// A change of pods is a new zone (<see cref="WithPods"/>), swapped into the server whole.
/// </summary>
internal sealed class DemoZone
{
    public const string ClusterDomain = "cluster.local";
    public const string Namespace = "default";
    public const string Service = "nginx-headless";
    public const string PortName = "web";

    /// <summary>The kubernetes plugin's default <c>ttl</c>; also the SOA minimum, so negative answers live as long.</summary>
    public const uint TtlSeconds = 5;

    public const string ServiceName = Service + "." + Namespace + ".svc." + ClusterDomain;
    public const string SrvName = "_" + PortName + "._tcp." + ServiceName;

    private const string ReverseV4Zone = "in-addr.arpa";
    private const string ReverseV6Zone = "ip6.arpa";

    private readonly Random _random;

    // Random is not thread-safe and UDP and TCP queries resolve concurrently; the lock travels with the
    // Random into every zone made by WithPods, so a seeded sequence stays one sequence.
    private readonly Lock _randomLock;

    private readonly FrozenDictionary<string, DemoZoneNode> _nodes;
    private readonly FrozenDictionary<string, DemoZoneNode>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly DemoDnsAnswer _clusterNameError;
    private readonly DemoDnsAnswer _reverseV4NameError;
    private readonly DemoDnsAnswer _reverseV6NameError;

    /// <param name="port">The number of the named port <c>web</c>.</param>
    /// <param name="pods">The ready pods, in ordinal order: SRV records keep it, as EndpointSlices do.</param>
    /// <param name="random">Drives the <c>loadbalance</c> shuffle; tests pass a seeded one.</param>
    public DemoZone(int port, IEnumerable<DemoZonePod> pods, Random? random = null)
        : this(port, pods, serial: 1, random ?? Random.Shared, new Lock())
    {
    }

    private DemoZone(int port, IEnumerable<DemoZonePod> pods, uint serial, Random random, Lock randomLock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        ArgumentNullException.ThrowIfNull(pods);

        Port = port;
        Pods = Validate(pods);
        Serial = serial;
        _random = random;
        _randomLock = randomLock;

        var clusterSoa = CreateSoa(ClusterDomain, serial);
        var reverseV4Soa = CreateSoa(ReverseV4Zone, serial);
        var reverseV6Soa = CreateSoa(ReverseV6Zone, serial);
        _clusterNameError = DemoDnsAnswer.NameError(clusterSoa);
        _reverseV4NameError = DemoDnsAnswer.NameError(reverseV4Soa);
        _reverseV6NameError = DemoDnsAnswer.NameError(reverseV6Soa);

        var nodes = new Dictionary<string, DemoZoneNode>(StringComparer.OrdinalIgnoreCase)
        {
            [ClusterDomain] = new DemoZoneNode(clusterSoa) { IsApex = true },
            [ReverseV4Zone] = new DemoZoneNode(reverseV4Soa) { IsApex = true },
            [ReverseV6Zone] = new DemoZoneNode(reverseV6Soa) { IsApex = true },
        };

        // The Service and its SRV name exist even with no ready pods: CoreDNS answers NODATA there,
        // NXDOMAIN only once the Service itself is gone.
        AddNode(nodes, ServiceName, ClusterDomain);
        AddNode(nodes, SrvName, ClusterDomain);

        var serviceA = ImmutableArray.CreateBuilder<DemoDnsRecord>();
        var serviceAaaa = ImmutableArray.CreateBuilder<DemoDnsRecord>();
        var srv = ImmutableArray.CreateBuilder<DemoDnsRecord>(Pods.Length);
        var srvAdditional = ImmutableArray.CreateBuilder<DemoDnsRecord>(Pods.Length);

        // The plugin divides 100 evenly among the records that share a priority.
        var weight = Pods.IsEmpty ? (ushort)0 : (ushort)(100 / Pods.Length);
        foreach (var pod in Pods)
        {
            var podName = PodName(pod.Name);
            var address = DemoDnsRecord.Address(podName, TtlSeconds, pod.Address);
            var serviceAddress = DemoDnsRecord.Address(ServiceName, TtlSeconds, pod.Address);
            (address.Type == DemoDnsType.A ? serviceA : serviceAaaa).Add(serviceAddress);
            srv.Add(DemoDnsRecord.Srv(SrvName, TtlSeconds, priority: 0, weight, (ushort)port, podName));
            srvAdditional.Add(address);

            AddNode(nodes, podName, ClusterDomain);
            nodes[podName] = address.Type == DemoDnsType.A
                ? nodes[podName] with { A = [address] }
                : nodes[podName] with { Aaaa = [address] };

            var reverseName = ReverseName(pod.Address);
            var reverseZone = pod.Address.AddressFamily == AddressFamily.InterNetwork ? ReverseV4Zone : ReverseV6Zone;
            AddNode(nodes, reverseName, reverseZone);
            nodes[reverseName] = nodes[reverseName] with
            {
                Ptr = DemoDnsAnswer.Positive([DemoDnsRecord.Ptr(reverseName, TtlSeconds, podName)]),
            };
        }

        nodes[ServiceName] = nodes[ServiceName] with { A = serviceA.ToImmutable(), Aaaa = serviceAaaa.ToImmutable() };
        nodes[SrvName] = nodes[SrvName] with { Srv = srv.MoveToImmutable(), SrvAdditional = srvAdditional.MoveToImmutable() };

        _nodes = nodes.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _lookup = _nodes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Port { get; }

    public ImmutableArray<DemoZonePod> Pods { get; }

    /// <summary>The SOA serial; every <see cref="WithPods"/> bumps it, as a zone change should.</summary>
    public uint Serial { get; }

    /// <summary>The stable per-pod name a StatefulSet pod gets through the headless Service.</summary>
    public static string PodName(string pod) => pod + "." + ServiceName;

    /// <summary>The PTR owner name of <paramref name="address"/>: <c>21.0.0.127.in-addr.arpa</c>, or nibbles under <c>ip6.arpa</c>.</summary>
    public static string ReverseName(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        var name = new StringBuilder(72);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            for (var i = bytes.Length - 1; i >= 0; i--)
            {
                name.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            }

            return name.Append(ReverseV4Zone).ToString();
        }

        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            name.Append(HexDigit(bytes[i] & 0xF)).Append('.').Append(HexDigit(bytes[i] >> 4)).Append('.');
        }

        return name.Append(ReverseV6Zone).ToString();

        static char HexDigit(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
    }

    /// <summary>The same zone with another set of ready pods (a scale, a pod turning unready), and a new serial.</summary>
    public DemoZone WithPods(IEnumerable<DemoZonePod> pods) => new(Port, pods, Serial + 1, _random, _randomLock);

    /// <summary>Answers one IN-class question. <paramref name="name"/> is in presentation form, case-insensitive, with or without the final dot.</summary>
    public DemoDnsAnswer Resolve(ReadOnlySpan<char> name, DemoDnsType type)
    {
        if (name.Length > 0 && name[^1] == '.')
        {
            name = name[..^1];
        }

        if (type is DemoDnsType.Axfr or DemoDnsType.Ixfr)
        {
            // CoreDNS refuses transfers unless the transfer plugin allows them.
            return DemoDnsAnswer.Refused;
        }

        if (!_lookup.TryGetValue(name, out var node))
        {
            if (IsAtOrBelow(name, ClusterDomain))
            {
                return _clusterNameError;
            }

            if (IsAtOrBelow(name, ReverseV4Zone))
            {
                return _reverseV4NameError;
            }

            return IsAtOrBelow(name, ReverseV6Zone) ? _reverseV6NameError : DemoDnsAnswer.Refused;
        }

        return type switch
        {
            DemoDnsType.A when !node.A.IsEmpty => DemoDnsAnswer.Positive(Shuffle(node.A)),
            DemoDnsType.Aaaa when !node.Aaaa.IsEmpty => DemoDnsAnswer.Positive(Shuffle(node.Aaaa)),
            DemoDnsType.Srv when !node.Srv.IsEmpty => DemoDnsAnswer.Positive(node.Srv, Shuffle(node.SrvAdditional)),
            DemoDnsType.Ptr when node.Ptr is not null => node.Ptr,
            DemoDnsType.Soa when node.IsApex => DemoDnsAnswer.Positive([node.Soa]),
            _ => node.NoData,
        };
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{ServiceName} ({Pods.Length} pods, port {PortName}={Port}, serial {Serial})");

    private static ImmutableArray<DemoZonePod> Validate(IEnumerable<DemoZonePod> pods)
    {
        var result = pods.ToImmutableArray();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var addresses = new HashSet<IPAddress>();
        foreach (var pod in result)
        {
            ArgumentNullException.ThrowIfNull(pod, nameof(pods));
            if (!IsHostnameLabel(pod.Name))
            {
                throw new ArgumentException($"Pod name '{pod.Name}' is not a DNS label (a-z, 0-9, '-', at most 63).", nameof(pods));
            }

            if (pod.Address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            {
                throw new ArgumentException($"Pod '{pod.Name}' has no IP address.", nameof(pods));
            }

            if (!names.Add(pod.Name) || !addresses.Add(pod.Address))
            {
                throw new ArgumentException($"Pod '{pod.Name}' or its address {pod.Address} appears twice.", nameof(pods));
            }
        }

        return result;
    }

    private static bool IsHostnameLabel(string label)
    {
        if (string.IsNullOrEmpty(label) || label.Length > 63 || label[0] == '-' || label[^1] == '-')
        {
            return false;
        }

        foreach (var c in label)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    private static DemoDnsRecord CreateSoa(string zone, uint serial) =>
        // CoreDNS's kubernetes plugin: ns.dns.<zone>, hostmaster.<zone>, 7200 1800 86400 <ttl>.
        DemoDnsRecord.Soa(zone, TtlSeconds, "ns.dns." + zone, "hostmaster." + zone, serial, 7200, 1800, 86400, TtlSeconds);

    /// <summary>Adds <paramref name="name"/> and every missing ancestor up to the apex, as empty non-terminals.</summary>
    private static void AddNode(Dictionary<string, DemoZoneNode> nodes, string name, string apex)
    {
        var soa = nodes[apex].Soa;
        for (var current = name; !nodes.ContainsKey(current); current = current[(current.IndexOf('.', StringComparison.Ordinal) + 1)..])
        {
            nodes[current] = new DemoZoneNode(soa);
        }
    }

    private static bool IsAtOrBelow(ReadOnlySpan<char> name, string zone) =>
        name.Equals(zone, StringComparison.OrdinalIgnoreCase)
        || (name.Length > zone.Length
            && name[^(zone.Length + 1)] == '.'
            && name.EndsWith(zone, StringComparison.OrdinalIgnoreCase));

    private ImmutableArray<DemoDnsRecord> Shuffle(ImmutableArray<DemoDnsRecord> records)
    {
        if (records.Length < 2)
        {
            return records;
        }

        // A fresh array per answer: the node's array is shared by concurrent readers.
        var shuffled = records.AsSpan().ToArray();
        lock (_randomLock)
        {
            _random.Shuffle(shuffled);
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(shuffled);
    }
}
