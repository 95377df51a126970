using System.Diagnostics;
using System.Diagnostics.Metrics;
using HeadlessSidecar.Metrics;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// Discovery's instruments on the <see cref="SidecarMeter"/> meter, scraped as
/// <c>headless_sidecar_dns_lookups_total{service,result}</c>, <c>headless_sidecar_dns_stale{service}</c>,
/// <c>headless_sidecar_endpoint_changes_total{service,change}</c> and <c>headless_sidecar_dns_rejected_total{service,reason}</c>.
/// </summary>
internal sealed class DiscoveryMetrics
{
    public const string LookupsName = "headless_sidecar.dns.lookups";
    public const string StaleName = "headless_sidecar.dns.stale";
    public const string EndpointChangesName = "headless_sidecar.endpoint.changes";
    public const string RejectedName = "headless_sidecar.dns.rejected";

    private static readonly ResolutionResult[] s_results =
        [ResolutionResult.Success, ResolutionResult.NxDomain, ResolutionResult.Empty, ResolutionResult.Error];
    private static readonly string[] s_changes = ["added", "removed", "address_changed"];

    private readonly Counter<long> _lookups;
    private readonly Counter<long> _endpointChanges;
    private readonly Counter<long> _rejected;
    private readonly EndpointRegistry _registry;

    public DiscoveryMetrics(IMeterFactory meterFactory, EndpointRegistry registry, SidecarMeter? sidecarMeter = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _registry = registry;
        var meter = meterFactory.Create((sidecarMeter ?? new SidecarMeter()).Name);
        _lookups = meter.CreateCounter<long>(LookupsName,
            description: "DNS resolutions of a service, by result (success, nxdomain, empty, error).");
        _endpointChanges = meter.CreateCounter<long>(EndpointChangesName,
            description: "Changes to a service's discovered pods (added, removed, address_changed).");
        _rejected = meter.CreateCounter<long>(RejectedName,
            description: "DNS answers or records not believed, by reason (mismatched_answer, malformed_name, out_of_domain, record_limit).");
        meter.CreateObservableGauge(StaleName, ObserveStale,
            description: "1 while the service's last known good set is served because DNS fails.");
    }

    public static string ResultLabel(ResolutionResult result) => result switch
    {
        ResolutionResult.Success => "success",
        ResolutionResult.NxDomain => "nxdomain",
        ResolutionResult.Empty => "empty",
        ResolutionResult.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, null),
    };

    /// <summary>Exports every series of <paramref name="service"/> at 0, so rates work from its first lookup.</summary>
    public void ServiceStarted(string service)
    {
        if (_lookups.Enabled)
        {
            foreach (var result in s_results)
            {
                _lookups.Add(0, new TagList { { "service", service }, { "result", ResultLabel(result) } });
            }
        }
        if (_rejected.Enabled)
        {
            foreach (var reason in DnsRejections.Reasons)
            {
                _rejected.Add(0, new TagList { { "service", service }, { "reason", DnsRejections.Label(reason) } });
            }
        }
        if (_endpointChanges.Enabled)
        {
            foreach (var change in s_changes)
            {
                _endpointChanges.Add(0, new TagList { { "service", service }, { "change", change } });
            }
        }
    }

    public void LookupCompleted(string service, ResolutionResult result)
    {
        if (_lookups.Enabled)
        {
            _lookups.Add(1, new TagList { { "service", service }, { "result", ResultLabel(result) } });
        }
    }

    public void Rejected(string service, DnsRejections rejections)
    {
        if (!_rejected.Enabled)
        {
            return;
        }
        foreach (var reason in DnsRejections.Reasons)
        {
            if (rejections[reason] > 0)
            {
                _rejected.Add(rejections[reason], new TagList { { "service", service }, { "reason", DnsRejections.Label(reason) } });
            }
        }
    }

    public void EndpointsChanged(string service, SnapshotDiff diff)
    {
        ArgumentNullException.ThrowIfNull(diff);
        if (!_endpointChanges.Enabled || diff.IsEmpty)
        {
            return;
        }
        AddChanges(service, "added", diff.Added.Count);
        AddChanges(service, "removed", diff.Removed.Count);
        AddChanges(service, "address_changed", diff.AddressChanged.Count);
    }

    private void AddChanges(string service, string change, int count)
    {
        if (count > 0)
        {
            _endpointChanges.Add(count, new TagList { { "service", service }, { "change", change } });
        }
    }

    private IEnumerable<Measurement<int>> ObserveStale()
    {
        foreach (var endpoints in _registry.All)
        {
            var snapshot = endpoints.Current;
            yield return new Measurement<int>(snapshot.Stale ? 1 : 0, new KeyValuePair<string, object?>("service", snapshot.Service));
        }
    }
}
