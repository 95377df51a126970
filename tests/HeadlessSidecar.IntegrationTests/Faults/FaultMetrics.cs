using System.Globalization;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>Sums of series in the sidecar's Prometheus text, over every label set that matches.</summary>
internal static class FaultMetrics
{
    /// <summary><c>headless_sidecar_failovers_total</c>, all of it or for one <c>reason</c>.</summary>
    public static double Failovers(string metrics, string? reason = null) =>
        Sum(metrics, "headless_sidecar_failovers_total", reason is null ? [] : [("reason", reason)]);

    public static double Sum(string metrics, string name, params (string Label, string Value)[] labels) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal) && l.Length > name.Length && l[name.Length] is '{' or ' ')
            .Where(l => labels.All(p => l.Contains($"{p.Label}=\"{p.Value}\"", StringComparison.Ordinal)))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
