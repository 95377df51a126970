namespace HeadlessSidecar.Metrics;

/// <summary>
/// The one meter every component records on. Instrument names are dotted OTel names that the Prometheus
/// exporter turns into the contract's names: <c>headless_sidecar.dns.lookups</c> (a counter) is scraped as
/// <c>headless_sidecar_dns_lookups_total</c>; unit <c>s</c> adds <c>_seconds</c>.
/// </summary>
public static class SidecarMeter
{
    public const string Name = "HeadlessSidecar";
}
