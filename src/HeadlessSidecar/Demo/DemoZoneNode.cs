using System.Collections.Immutable;

namespace HeadlessSidecar.Demo;

/// <summary>
/// Everything that exists at one owner name. A node with no records is an empty non-terminal
/// (<c>svc.cluster.local</c>, <c>_tcp.nginx-headless…</c>): it answers NODATA, never NXDOMAIN (RFC 8020).
/// </summary>
internal sealed record DemoZoneNode(DemoDnsRecord Soa)
{
    /// <summary>Built once so that a NODATA answer allocates nothing.</summary>
    public DemoDnsAnswer NoData { get; } = DemoDnsAnswer.NoData(Soa);

    public bool IsApex { get; init; }

    public ImmutableArray<DemoDnsRecord> A { get; init; } = [];

    public ImmutableArray<DemoDnsRecord> Aaaa { get; init; } = [];

    public ImmutableArray<DemoDnsRecord> Srv { get; init; } = [];

    /// <summary>The SRV targets' addresses, sent along so that clients need no second round trip.</summary>
    public ImmutableArray<DemoDnsRecord> SrvAdditional { get; init; } = [];

    public DemoDnsAnswer? Ptr { get; init; }
}
