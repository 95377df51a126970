namespace HeadlessSidecar.Metrics;

/// <summary>
/// The meter every component records on. Instrument names are dotted OTel names that the Prometheus exporter
/// turns into the contract's names: <c>headless_sidecar.dns.lookups</c> (a counter) is scraped as
/// <c>headless_sidecar_dns_lookups_total</c>; unit <c>s</c> adds <c>_seconds</c>.
/// </summary>
/// <remarks>
/// OpenTelemetry subscribes to meters by name across the whole process, whichever <c>IMeterFactory</c> made them.
/// A process runs one sidecar, so the default name serves; tests that host several sidecars in one process
/// give each its own name, so no sidecar exports another's series.
/// </remarks>
public sealed class SidecarMeter(string? name = null)
{
    public const string DefaultName = "HeadlessSidecar";

    public string Name { get; } = name ?? DefaultName;
}
