namespace HeadlessSidecar.Metrics;

/// <summary>
/// Per-instrument cardinality limits. OpenTelemetry preallocates a slot per series up to the limit, so the
/// limits are sized for large StatefulSets (1,000 pods) rather than set to "unlimited".
/// </summary>
internal static class MetricLimits
{
    public const int MaxPods = 1_000;

    public static int CardinalityLimit(string instrument) => instrument switch
    {
        // from_pod × to_pod × reason: failovers happen between few pairs at a time; room for many.
        ProxyMetrics.FailoversName => 20_000,
        // pod × status class.
        ProxyMetrics.RequestsName => MaxPods * 5 + 100,
        // pod × result (success, failure), with room for a second TLS service.
        Tls.TlsMetrics.HandshakesName => MaxPods * 4 + 100,
        _ => MaxPods * 2 + 100,
    };
}
