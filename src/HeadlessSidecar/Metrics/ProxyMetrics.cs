using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HeadlessSidecar.Metrics;

/// <summary>The proxy's request-path instruments (contract section 7). Label values are service keys and pod
/// names only, so cardinality is bounded by the pods.</summary>
internal sealed class ProxyMetrics
{
    public const string RequestsName = "headless_sidecar.requests";
    public const string RequestDurationName = "headless_sidecar.request.duration";
    public const string FailoversName = "headless_sidecar.failovers";
    public const string EjectionsName = "headless_sidecar.ejections";
    public const string RetryBudgetExhaustedName = "headless_sidecar.retry_budget_exhausted";

    /// <summary>Second-based buckets from 0.5 ms to 10 s, for every <c>_seconds</c> histogram.</summary>
    public static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _ejections;
    private readonly Counter<long> _retryBudgetExhausted;

    public ProxyMetrics(IMeterFactory meterFactory, SidecarMeter? sidecarMeter = null)
    {
        var meter = meterFactory.Create((sidecarMeter ?? new SidecarMeter()).Name);
        _requests = meter.CreateCounter<long>(RequestsName, description: "App requests, counted once each under the pod of the last attempt.");
        _duration = meter.CreateHistogram<double>(RequestDurationName, unit: "s", description: "App request duration, all attempts included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _failovers = meter.CreateCounter<long>(FailoversName, description: "Moves of a request or connection to another pod, by the failure that caused them.");
        _ejections = meter.CreateCounter<long>(EjectionsName, description: "Pods ejected by health checking.");
        _retryBudgetExhausted = meter.CreateCounter<long>(RetryBudgetExhaustedName, description: "Retries refused by the retry budget.");
    }

    /// <summary>Exports the service's zero-valued series as soon as it is known.</summary>
    public void ServiceKnown(string service)
    {
        _retryBudgetExhausted.Add(0, new KeyValuePair<string, object?>("service", service));
    }

    /// <summary>Exports the pod's zero-valued series as soon as it is discovered.</summary>
    public void PodKnown(string service, string pod)
    {
        _ejections.Add(0, new("service", service), new("pod", pod));
    }

    public void RequestCompleted(string service, string pod, int statusCode, TimeSpan duration)
    {
        var tags = new TagList { { "service", service }, { "pod", pod } };
        if (_duration.Enabled)
        {
            _duration.Record(duration.TotalSeconds, tags);
        }
        if (_requests.Enabled)
        {
            var index = statusCode / 100 - 1;
            tags.Add("status_class", (uint)index < StatusClasses.Length ? StatusClasses[index] : "5xx");
            _requests.Add(1, tags);
        }
    }

    public void Failover(string service, string fromPod, string toPod, string reason)
    {
        if (_failovers.Enabled)
        {
            _failovers.Add(1, new TagList { { "service", service }, { "from_pod", fromPod }, { "to_pod", toPod }, { "reason", reason } });
        }
    }

    public void Ejected(string service, string pod) => _ejections.Add(1, new("service", service), new("pod", pod));

    public void RetryBudgetExhausted(string service) => _retryBudgetExhausted.Add(1, new KeyValuePair<string, object?>("service", service));
}
