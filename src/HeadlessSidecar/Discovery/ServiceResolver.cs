using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Configuration;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// Resolves a service once: SRV <c>_&lt;PortName&gt;._tcp.&lt;Host&gt;</c> with the targets' addresses, or A and AAAA
/// on <c>Host</c> with a PTR lookup per address. <c>Host</c> goes through the search list; the first candidate that
/// answers anything but NXDOMAIN (or REFUSED: not served there) is the service, and a failure on a candidate ends the
/// walk with an error, since a later candidate must not stand in for a name that only failed to answer. NXDOMAIN
/// comes back only when every candidate said NXDOMAIN or REFUSED, at least one of them NXDOMAIN.
/// </summary>
/// <remarks>
/// A lookup that fails inside an otherwise good answer (one target's address, one PTR, the AAAA half) does not fail
/// the whole answer: the pods it concerns keep what the previous answer said about them (<c>knownPods</c>), pods never
/// seen before are left out (SRV) or named by their dashed address (PTR), and the answer is marked partial. Only when
/// nothing usable is left does the resolution fail.
/// <para>Answers are untrusted (<see cref="DnsResponseReader"/> checks each message): the service's domain is the
/// candidate that answered (<c>nginx-headless.default.svc.cluster.local</c>), and only names inside it are used: SRV
/// targets outside it are left out with their glue (and never looked up), glue owned by another name is ignored, a
/// PTR naming another domain drops the name (the pod keeps its dashed address). The whole Service FQDN rather than the
/// namespace's <c>svc.&lt;cluster domain&gt;</c> zone: cluster DNS only ever names a Service's pods under the Service
/// (<c>web-0.nginx-headless…</c>, <c>10-0-0-7.nginx-headless…</c>), and the wider zone would let a poisoned answer
/// point at another Service's pods. An SRV answer whose every target lies outside fails as a whole.</para>
/// </remarks>
internal sealed partial class ServiceResolver
{
    /// <summary>Lookups in flight at once for one resolution's targets or PTRs.</summary>
    internal const int MaxConcurrentLookups = 16;

    /// <summary>Negative TTL when an NXDOMAIN or NODATA answer carries no SOA: CoreDNS's default record TTL.</summary>
    internal static readonly TimeSpan DefaultNegativeTtl = TimeSpan.FromSeconds(5);

    private readonly IDnsQuerier _querier;
    private readonly EffectiveDnsSettings _settings;
    private readonly ILogger<ServiceResolver> _logger;

    public ServiceResolver(IDnsQuerier querier, EffectiveDnsSettings settings, ILogger<ServiceResolver> logger)
    {
        _querier = querier;
        _settings = settings;
        _logger = logger;
    }

    /// <summary>
    /// The names to try for <paramref name="host"/>: the search-list expansion, with <paramref name="knownFqdn"/> (the
    /// candidate that answered last time) moved first, so a steady state costs one query instead of a walk through
    /// NXDOMAINs. If that name disappears, the walk starts over.
    /// </summary>
    public IReadOnlyList<string> Candidates(string host, string? knownFqdn)
    {
        var expanded = HostNameExpander.Expand(host, _settings.Search, _settings.Ndots);
        if (knownFqdn is null)
        {
            return expanded;
        }
        var known = DnsNames.Absolute(knownFqdn);
        if (!expanded.Contains(known, StringComparer.OrdinalIgnoreCase))
        {
            return expanded;
        }
        return [known, .. expanded.Where(c => !string.Equals(c, known, StringComparison.OrdinalIgnoreCase))];
    }

    /// <param name="service">The service to resolve.</param>
    /// <param name="knownFqdn">The name that answered last time, if any (<see cref="ServiceResolution.Fqdn"/>).</param>
    /// <param name="knownPods">The pods served now, to fill in for sub-lookups that fail.</param>
    /// <param name="cancellationToken">Cancels the resolution; the only way this method throws.</param>
    public async Task<ServiceResolution> ResolveAsync(ServiceOptions service, string? knownFqdn, IReadOnlyList<PodEndpoint> knownPods,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(knownPods);

        TimeSpan? negativeTtl = null;
        string? refusal = null;
        var tally = new RejectionTally();
        foreach (var candidate in Candidates(service.HostIsAbsolute ? service.Host + "." : service.Host, knownFqdn))
        {
            var outcome = service.PortName is { Length: > 0 } portName
                ? await ResolveSrvAsync(candidate, portName, knownPods, tally, cancellationToken)
                : await ResolveAddressesAsync(candidate, RequirePort(service), knownPods, tally, cancellationToken);
            if (outcome.Answer is { } answer)
            {
                return answer.WithRejections(tally.Total);
            }
            if (outcome.Refusal is { } refused)
            {
                Log.CandidateRefused(_logger, service.Name, candidate, refused);
                refusal ??= refused;
            }
            else
            {
                Log.CandidateNotFound(_logger, service.Name, candidate);
                negativeTtl = Min(negativeTtl, outcome.NegativeTtl);
            }
        }
        var none = negativeTtl is { } ttl ? ServiceResolution.NxDomain(ttl) : ServiceResolution.Failed(refusal!);
        return none.WithRejections(tally.Total);
    }

    private async Task<CandidateOutcome> ResolveSrvAsync(string candidate, string portName, IReadOnlyList<PodEndpoint> knownPods,
        RejectionTally tally, CancellationToken cancellationToken)
    {
        var srvName = $"_{portName}._tcp.{candidate}";
        var fqdn = Fqdn(candidate);
        var domain = DnsNames.Absolute(candidate);
        var answer = tally.Count(await _querier.QueryAsync(srvName, DnsQueryType.Srv, cancellationToken));
        switch (answer.Status)
        {
            case DnsQueryStatus.NxDomain:
                return CandidateOutcome.NotFound(answer.Ttl ?? DefaultNegativeTtl);
            case DnsQueryStatus.Refused:
                return CandidateOutcome.Refused($"SRV {srvName}: {answer.Error}");
            case DnsQueryStatus.NoData:
                return ServiceResolution.Empty(answer.Ttl ?? DefaultNegativeTtl, fqdn);
            case DnsQueryStatus.Error:
                return ServiceResolution.Failed($"SRV {srvName}: {answer.Error}");
        }

        // One pod per target; a target of "." means "no service here" (RFC 2782).
        var targets = new Dictionary<string, DnsSrvRecord>(StringComparer.Ordinal);
        var outside = 0;
        foreach (var record in answer.Srv.OrderBy(r => r.Priority).ThenBy(r => r.Port))
        {
            var target = DnsNames.Absolute(record.Target);
            if (target == ".")
            {
                continue;
            }
            if (!IsInDomain(target, domain))
            {
                outside++;
                continue;
            }
            targets.TryAdd(target, record);
        }
        if (outside > 0)
        {
            tally.Add(DnsRejections.Of(DnsRejectReason.OutOfDomain, outside));
            Log.TargetsOutOfDomain(_logger, srvName, outside, domain);
            if (targets.Count == 0)
            {
                tally.Add(DnsRejections.Of(DnsRejectReason.OutOfDomain, answer.AdditionalAddresses.Count));
                return ServiceResolution.Failed($"SRV {srvName}: {DnsRejections.Label(DnsRejectReason.OutOfDomain)}: every target lies outside {fqdn}");
            }
        }
        var ttl = answer.Ttl!.Value;
        if (targets.Count == 0)
        {
            return ServiceResolution.Empty(ttl, fqdn);
        }

        // Glue counts only for the in-domain targets it is owned by: never for another name, however it is spelt.
        var glue = answer.AdditionalAddresses.ToLookup(r => DnsNames.Absolute(r.Name), StringComparer.Ordinal);
        var addresses = glue
            .Where(g => targets.ContainsKey(g.Key))
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var strayGlue = glue.Where(g => !targets.ContainsKey(g.Key)).Sum(g => g.Count());
        if (strayGlue > 0)
        {
            tally.Add(DnsRejections.Of(DnsRejectReason.OutOfDomain, strayGlue));
        }
        var missing = targets.Keys.Where(t => !addresses.ContainsKey(t)).ToList();
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        if (missing.Count > 0)
        {
            var answers = await QueryAllAsync(missing.SelectMany(t => new[] { (t, DnsQueryType.A), (t, DnsQueryType.Aaaa) }), tally, cancellationToken);
            foreach (var target in missing)
            {
                var a = answers[(target, DnsQueryType.A)];
                var aaaa = answers[(target, DnsQueryType.Aaaa)];
                var found = a.Addresses.Concat(aaaa.Addresses).ToList();
                if (found.Count > 0)
                {
                    addresses[target] = found;
                }
                else if (a.Status == DnsQueryStatus.Error || aaaa.Status == DnsQueryStatus.Error)
                {
                    errors[target] = a.Error ?? aaaa.Error!;
                }
            }
        }

        var pods = new List<PodEndpoint>(targets.Count);
        var warnings = new List<string>();
        foreach (var (target, record) in targets)
        {
            var (name, ordinal) = PodNameParser.Parse(target);
            if (addresses.TryGetValue(target, out var records))
            {
                var chosen = records.MinBy(r => r.Address, AddressComparer.Instance)!;
                ttl = Min(ttl, records.Min(r => r.Ttl));
                pods.Add(new PodEndpoint(name, ordinal, chosen.Address, record.Port, DnsNames.Relative(target)));
            }
            else if (errors.TryGetValue(target, out var error))
            {
                warnings.Add($"A/AAAA {target}: {error}");
                if (knownPods.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { } known)
                {
                    pods.Add(new PodEndpoint(name, ordinal, known.Address, record.Port, DnsNames.Relative(target)));
                }
            }
            else
            {
                Log.TargetWithoutAddress(_logger, srvName, target);
            }
        }

        if (pods.Count == 0)
        {
            return warnings.Count > 0
                ? ServiceResolution.Failed($"SRV {srvName}: no target address resolved ({warnings[0]})")
                : ServiceResolution.Empty(ttl, fqdn);
        }
        return ServiceResolution.Success(Normalize(pods), ttl, fqdn, warnings);
    }

    private async Task<CandidateOutcome> ResolveAddressesAsync(string candidate, int port, IReadOnlyList<PodEndpoint> knownPods,
        RejectionTally tally, CancellationToken cancellationToken)
    {
        var fqdn = Fqdn(candidate);
        var domain = DnsNames.Absolute(candidate);
        var aTask = _querier.QueryAsync(candidate, DnsQueryType.A, cancellationToken);
        var aaaaTask = _querier.QueryAsync(candidate, DnsQueryType.Aaaa, cancellationToken);
        var a = tally.Count(await aTask);
        var aaaa = tally.Count(await aaaaTask);

        if (a.Status is DnsQueryStatus.NxDomain or DnsQueryStatus.Refused && aaaa.Status is DnsQueryStatus.NxDomain or DnsQueryStatus.Refused)
        {
            return a.Status == DnsQueryStatus.Refused && aaaa.Status == DnsQueryStatus.Refused
                ? CandidateOutcome.Refused($"A {candidate}: {a.Error}")
                : CandidateOutcome.NotFound(Min(a.Ttl, aaaa.Ttl) ?? DefaultNegativeTtl);
        }
        var answered = new[] { a, aaaa }.Where(r => r.Status == DnsQueryStatus.Success).ToList();
        if (answered.Count == 0)
        {
            var failed = a.Status == DnsQueryStatus.Error ? a : aaaa.Status == DnsQueryStatus.Error ? aaaa : null;
            return failed is not null
                ? ServiceResolution.Failed($"{(failed == a ? "A" : "AAAA")} {candidate}: {failed.Error}")
                : ServiceResolution.Empty(Min(a.Ttl, aaaa.Ttl) ?? DefaultNegativeTtl, fqdn);
        }

        var warnings = new List<string>();
        var pods = new List<PodEndpoint>();
        // One family answered and the other failed: that family's pods stay as they were.
        foreach (var (result, type, family) in new[] { (a, "A", AddressFamily.InterNetwork), (aaaa, "AAAA", AddressFamily.InterNetworkV6) })
        {
            if (result.Status == DnsQueryStatus.Error)
            {
                warnings.Add($"{type} {candidate}: {result.Error}");
                pods.AddRange(knownPods.Where(p => p.Address.AddressFamily == family));
            }
        }

        var ttl = answered.Min(r => r.Ttl!.Value);
        var addresses = answered.SelectMany(r => r.Addresses).Select(r => r.Address).Distinct().ToList();
        var ptrs = await QueryAllAsync(addresses.Select(address => (DnsNames.ReverseLookupName(address), DnsQueryType.Ptr)), tally, cancellationToken);
        foreach (var address in addresses)
        {
            var ptr = ptrs[(DnsNames.ReverseLookupName(address), DnsQueryType.Ptr)];
            // A PTR into another domain says nothing about this Service: the name goes, the address (from the
            // Service's own A/AAAA answer) stays.
            var inDomain = ptr.Ptr.Select(r => DnsNames.Absolute(r.Target)).Where(t => IsInDomain(t, domain)).Order(StringComparer.Ordinal).ToList();
            if (inDomain.Count < ptr.Ptr.Count)
            {
                tally.Add(DnsRejections.Of(DnsRejectReason.OutOfDomain, ptr.Ptr.Count - inDomain.Count));
            }
            if (ptr.Status == DnsQueryStatus.Success && inDomain.Count > 0)
            {
                var target = inDomain[0];
                var (name, ordinal) = PodNameParser.Parse(target);
                ttl = Min(ttl, ptr.Ttl!.Value);
                pods.Add(new PodEndpoint(name, ordinal, address, port, DnsNames.Relative(target)));
                continue;
            }
            if (ptr.Status == DnsQueryStatus.Error)
            {
                warnings.Add($"PTR {address}: {ptr.Error}");
                if (knownPods.FirstOrDefault(p => p.Address.Equals(address)) is { } known)
                {
                    pods.Add(new PodEndpoint(known.Name, known.Ordinal, address, port, known.HostName));
                    continue;
                }
            }
            var dashed = PodNameParser.DashedAddress(address);
            pods.Add(new PodEndpoint(dashed, null, address, port, $"{dashed}.{fqdn}"));
        }
        return ServiceResolution.Success(Normalize(pods), ttl, fqdn, warnings);
    }

    private async Task<ConcurrentDictionary<(string Name, DnsQueryType Type), DnsQueryResult>> QueryAllAsync(
        IEnumerable<(string Name, DnsQueryType Type)> queries, RejectionTally tally, CancellationToken cancellationToken)
    {
        var results = new ConcurrentDictionary<(string, DnsQueryType), DnsQueryResult>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentLookups, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(queries.Distinct(), options, async (query, token) =>
            results[query] = tally.Count(await _querier.QueryAsync(query.Name, query.Type, token)));
        return results;
    }

    /// <summary><paramref name="name"/> is <paramref name="domain"/> or below it; both absolute and lower-case. The
    /// names come from <see cref="DnsWireName.ToHostName"/>, where a dot is only ever a label boundary.</summary>
    internal static bool IsInDomain(string name, string domain) =>
        name.Length >= domain.Length
        && name.EndsWith(domain, StringComparison.Ordinal)
        && (name.Length == domain.Length || name[name.Length - domain.Length - 1] == '.');

    /// <summary>What one resolution did not believe, added up across its parallel lookups.</summary>
    private sealed class RejectionTally
    {
        private readonly Lock _lock = new();
        private DnsRejections _total;

        public DnsRejections Total
        {
            get
            {
                lock (_lock)
                {
                    return _total;
                }
            }
        }

        public void Add(DnsRejections rejections)
        {
            if (rejections.IsEmpty)
            {
                return;
            }
            lock (_lock)
            {
                _total += rejections;
            }
        }

        public DnsQueryResult Count(DnsQueryResult result)
        {
            Add(result.Rejections);
            return result;
        }
    }

    /// <summary>One pod per name (preferring an IPv4, then the lowest address, so a shuffled answer does not flap),
    /// sorted by ordinal, then name, pods without an ordinal last.</summary>
    internal static IReadOnlyList<PodEndpoint> Normalize(IEnumerable<PodEndpoint> pods) =>
        [.. pods
            .GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.MinBy(p => p.Address, AddressComparer.Instance)!)
            .OrderBy(p => p.Ordinal is null)
            .ThenBy(p => p.Ordinal)
            .ThenBy(p => p.Name, StringComparer.Ordinal)];

    /// <summary>What one search candidate said: an answer that ends the walk, or why to go on.</summary>
    private readonly record struct CandidateOutcome(ServiceResolution? Answer, TimeSpan NegativeTtl, string? Refusal)
    {
        public static implicit operator CandidateOutcome(ServiceResolution answer) => new(answer, TimeSpan.Zero, null);

        public static CandidateOutcome NotFound(TimeSpan negativeTtl) => new(null, negativeTtl, null);

        public static CandidateOutcome Refused(string refusal) => new(null, TimeSpan.Zero, refusal);
    }

    private static int RequirePort(ServiceOptions service) =>
        service.Port ?? throw new InvalidOperationException($"Service '{service.Name}' has neither PortName nor Port.");

    private static string Fqdn(string candidate) => DnsNames.Relative(DnsNames.Absolute(candidate));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a <= b ? a : b;

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : Min(a.Value, b.Value);

    private sealed class AddressComparer : IComparer<IPAddress>
    {
        public static readonly AddressComparer Instance = new();

        public int Compare(IPAddress? x, IPAddress? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            var family = x.AddressFamily.CompareTo(y.AddressFamily);
            return family != 0 ? family : x.GetAddressBytes().AsSpan().SequenceCompareTo(y.GetAddressBytes());
        }
    }
}
