namespace HeadlessSidecar.Discovery;

/// <summary>The outcome of resolving one service once.</summary>
internal sealed class ServiceResolution
{
    private ServiceResolution(ResolutionResult result, IReadOnlyList<PodEndpoint> pods, TimeSpan ttl, string? fqdn,
        string? error, IReadOnlyList<string> warnings, DnsRejections rejections = default)
    {
        Rejections = rejections;
        Result = result;
        Pods = pods;
        Ttl = ttl;
        Fqdn = fqdn;
        Error = error;
        Warnings = warnings;
    }

    public ResolutionResult Result { get; }

    /// <summary>Sorted by ordinal, then name; one per name. Empty unless <see cref="ResolutionResult.Success"/>.</summary>
    public IReadOnlyList<PodEndpoint> Pods { get; }

    /// <summary>How long the answer may be trusted (smallest TTL used, or the negative TTL). Zero for errors.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>The search-list candidate that answered, without its trailing dot; null for NXDOMAIN and errors.</summary>
    public string? Fqdn { get; }

    public string? Error { get; }

    /// <summary>Lookups that failed inside a successful answer (a target's address, a PTR): the answer is partial.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public bool IsPartial => Warnings.Count > 0;

    /// <summary>What DNS said that was not believed on the way (<c>headless_sidecar_dns_rejected_total</c>).</summary>
    public DnsRejections Rejections { get; }

    public ServiceResolution WithRejections(DnsRejections rejections) =>
        rejections.IsEmpty ? this : new(Result, Pods, Ttl, Fqdn, Error, Warnings, Rejections + rejections);

    public static ServiceResolution Success(IReadOnlyList<PodEndpoint> pods, TimeSpan ttl, string fqdn, IReadOnlyList<string>? warnings = null) =>
        new(ResolutionResult.Success, pods, ttl, fqdn, error: null, warnings ?? []);

    public static ServiceResolution NxDomain(TimeSpan negativeTtl) =>
        new(ResolutionResult.NxDomain, [], negativeTtl, fqdn: null, error: null, []);

    public static ServiceResolution Empty(TimeSpan negativeTtl, string fqdn) =>
        new(ResolutionResult.Empty, [], negativeTtl, fqdn, error: null, []);

    public static ServiceResolution Failed(string error) =>
        new(ResolutionResult.Error, [], TimeSpan.Zero, fqdn: null, error, []);
}
