using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.Demo;

/// <summary>
/// One resource record of class IN. A single type with factories rather than a hierarchy: the writer
/// switches on <see cref="Type"/>, and the zone builds every record once, so the unused fields cost nothing per query.
/// Names are absolute, lower case, without the trailing dot.
/// </summary>
internal sealed class DemoDnsRecord
{
    private DemoDnsRecord(string name, DemoDnsType type, uint ttl)
    {
        Name = name;
        Type = type;
        Ttl = ttl;
    }

    public string Name { get; }

    public DemoDnsType Type { get; }

    public uint Ttl { get; }

    /// <summary>A/AAAA: the address bytes, kept in wire order so writing them allocates nothing.</summary>
    public byte[] AddressBytes { get; private init; } = [];

    /// <summary>PTR and SRV: the target; SOA: the primary name server.</summary>
    public string Target { get; private init; } = "";

    public ushort Priority { get; private init; }

    public ushort Weight { get; private init; }

    public ushort Port { get; private init; }

    /// <summary>SOA: the responsible mailbox, as a name.</summary>
    public string Mailbox { get; private init; } = "";

    public uint Serial { get; private init; }

    public uint Refresh { get; private init; }

    public uint Retry { get; private init; }

    public uint Expire { get; private init; }

    /// <summary>SOA: the negative-caching TTL (RFC 2308).</summary>
    public uint Minimum { get; private init; }

    public static DemoDnsRecord Address(string name, uint ttl, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var type = address.AddressFamily == AddressFamily.InterNetworkV6 ? DemoDnsType.Aaaa : DemoDnsType.A;
        return new DemoDnsRecord(name, type, ttl) { AddressBytes = address.GetAddressBytes() };
    }

    public static DemoDnsRecord Ptr(string name, uint ttl, string target) =>
        new(name, DemoDnsType.Ptr, ttl) { Target = target };

    public static DemoDnsRecord Srv(string name, uint ttl, ushort priority, ushort weight, ushort port, string target) =>
        new(name, DemoDnsType.Srv, ttl) { Priority = priority, Weight = weight, Port = port, Target = target };

    public static DemoDnsRecord Soa(string name, uint ttl, string primary, string mailbox, uint serial, uint refresh, uint retry, uint expire, uint minimum) =>
        new(name, DemoDnsType.Soa, ttl)
        {
            Target = primary,
            Mailbox = mailbox,
            Serial = serial,
            Refresh = refresh,
            Retry = retry,
            Expire = expire,
            Minimum = minimum,
        };

    public override string ToString() => Type switch
    {
        DemoDnsType.A or DemoDnsType.Aaaa => $"{Name} {Ttl} {Type} {new IPAddress(AddressBytes)}",
        DemoDnsType.Srv => $"{Name} {Ttl} SRV {Priority} {Weight} {Port} {Target}",
        DemoDnsType.Soa => $"{Name} {Ttl} SOA {Target} {Mailbox} {Serial} {Refresh} {Retry} {Expire} {Minimum}",
        _ => $"{Name} {Ttl} {Type} {Target}",
    };
}
