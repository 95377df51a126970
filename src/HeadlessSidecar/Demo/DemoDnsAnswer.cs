using System.Collections.Immutable;

namespace HeadlessSidecar.Demo;

/// <summary>What the zone answers to one question, before it is put on the wire.</summary>
internal sealed class DemoDnsAnswer
{
    public DemoDnsAnswer(
        DemoDnsResponseCode responseCode,
        bool authoritative,
        ImmutableArray<DemoDnsRecord> answers,
        ImmutableArray<DemoDnsRecord> authority,
        ImmutableArray<DemoDnsRecord> additional)
    {
        ResponseCode = responseCode;
        Authoritative = authoritative;
        Answers = answers.IsDefault ? [] : answers;
        Authority = authority.IsDefault ? [] : authority;
        Additional = additional.IsDefault ? [] : additional;
    }

    /// <summary>Outside our zones we are not a resolver: REFUSED, not authoritative, as CoreDNS without <c>forward</c>.</summary>
    public static DemoDnsAnswer Refused { get; } = new(DemoDnsResponseCode.Refused, authoritative: false, [], [], []);

    public DemoDnsResponseCode ResponseCode { get; }

    public bool Authoritative { get; }

    public ImmutableArray<DemoDnsRecord> Answers { get; }

    public ImmutableArray<DemoDnsRecord> Authority { get; }

    public ImmutableArray<DemoDnsRecord> Additional { get; }

    public static DemoDnsAnswer Positive(ImmutableArray<DemoDnsRecord> answers, ImmutableArray<DemoDnsRecord> additional = default) =>
        new(DemoDnsResponseCode.NoError, authoritative: true, answers, [], additional);

    /// <summary>NODATA: the name exists, the type does not (RFC 2308 §2.2); the SOA lets resolvers cache that.</summary>
    public static DemoDnsAnswer NoData(DemoDnsRecord soa) =>
        new(DemoDnsResponseCode.NoError, authoritative: true, [], [soa], []);

    public static DemoDnsAnswer NameError(DemoDnsRecord soa) =>
        new(DemoDnsResponseCode.NameError, authoritative: true, [], [soa], []);
}
