namespace HeadlessSidecar.Discovery;

/// <summary>One DNS answer as discovery sees it. Only the records of the asked type are in the answer lists.</summary>
internal sealed class DnsQueryResult
{
    private DnsQueryResult(DnsQueryStatus status, IReadOnlyList<DnsSrvRecord> srv, IReadOnlyList<DnsAddressRecord> addresses,
        IReadOnlyList<DnsPtrRecord> ptr, IReadOnlyList<DnsAddressRecord> additionalAddresses, TimeSpan? ttl, string? error,
        DnsRejections rejections = default)
    {
        Rejections = rejections;
        Status = status;
        Srv = srv;
        Addresses = addresses;
        Ptr = ptr;
        AdditionalAddresses = additionalAddresses;
        Ttl = ttl;
        Error = error;
    }

    public DnsQueryStatus Status { get; }
    public IReadOnlyList<DnsSrvRecord> Srv { get; }
    /// <summary>A and AAAA records of the answer section.</summary>
    public IReadOnlyList<DnsAddressRecord> Addresses { get; }
    public IReadOnlyList<DnsPtrRecord> Ptr { get; }
    /// <summary>A and AAAA records of the additional section (the SRV targets' addresses).</summary>
    public IReadOnlyList<DnsAddressRecord> AdditionalAddresses { get; }

    /// <summary>
    /// The smallest TTL of the answer records; for NXDOMAIN and NODATA the negative TTL (RFC 2308: the smaller of the
    /// authority SOA's TTL and its MINIMUM), null when the server sent no SOA.
    /// </summary>
    public TimeSpan? Ttl { get; }

    /// <summary>Short reason for <see cref="DnsQueryStatus.Error"/> and <see cref="DnsQueryStatus.Refused"/>:
    /// <c>timeout</c>, <c>SERVFAIL</c>, <c>unreachable (…)</c>, <c>REFUSED</c>…</summary>
    public string? Error { get; }

    /// <summary>What was not believed on the way to this result: datagrams that were not the answer, records outside
    /// the question, or (for an <see cref="DnsQueryStatus.Error"/>) the reason the whole answer was refused.</summary>
    public DnsRejections Rejections { get; }

    public static DnsQueryResult Success(
        IReadOnlyList<DnsSrvRecord>? srv = null,
        IReadOnlyList<DnsAddressRecord>? addresses = null,
        IReadOnlyList<DnsPtrRecord>? ptr = null,
        IReadOnlyList<DnsAddressRecord>? additionalAddresses = null)
    {
        srv ??= [];
        addresses ??= [];
        ptr ??= [];
        TimeSpan? ttl = null;
        foreach (var value in srv.Select(r => r.Ttl).Concat(addresses.Select(r => r.Ttl)).Concat(ptr.Select(r => r.Ttl)))
        {
            ttl = ttl is { } current && current <= value ? current : value;
        }
        if (ttl is null)
        {
            throw new ArgumentException("A successful answer has at least one record.");
        }
        return new(DnsQueryStatus.Success, srv, addresses, ptr, additionalAddresses ?? [], ttl, error: null);
    }

    public static DnsQueryResult NxDomain(TimeSpan? negativeTtl = null) =>
        new(DnsQueryStatus.NxDomain, [], [], [], [], negativeTtl, error: null);

    public static DnsQueryResult NoData(TimeSpan? negativeTtl = null) =>
        new(DnsQueryStatus.NoData, [], [], [], [], negativeTtl, error: null);

    public static DnsQueryResult Failed(string error) =>
        new(DnsQueryStatus.Error, [], [], [], [], ttl: null, error);

    /// <summary>An answer refused as a whole: a lookup error, which never replaces the last good set.</summary>
    public static DnsQueryResult Rejected(DnsRejectReason reason, string error, int count = 1) =>
        new(DnsQueryStatus.Error, [], [], [], [], ttl: null, $"{DnsRejections.Label(reason)}: {error}", DnsRejections.Of(reason, count));

    /// <summary>This result with <paramref name="rejections"/> added to its own.</summary>
    public DnsQueryResult WithRejections(DnsRejections rejections) =>
        rejections.IsEmpty ? this : new(Status, Srv, Addresses, Ptr, AdditionalAddresses, Ttl, Error, Rejections + rejections);

    public static DnsQueryResult Refused(string error = "REFUSED") =>
        new(DnsQueryStatus.Refused, [], [], [], [], ttl: null, error);

    public override string ToString() => Status switch
    {
        DnsQueryStatus.Error or DnsQueryStatus.Refused => $"{Status}: {Error}",
        _ => $"{Status} (ttl {Ttl})",
    };
}
