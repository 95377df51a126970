using System.Diagnostics.Metrics;
using HeadlessSidecar.Injection;
using HeadlessSidecar.Metrics;

namespace HeadlessSidecar.Webhook;

/// <summary>The webhook's instrument, scraped as <c>headless_sidecar_injector_admissions_total{result}</c>.</summary>
internal sealed class InjectorMetrics
{
    public const string AdmissionsName = "headless_sidecar.injector.admissions";

    private static readonly AdmissionResult[] s_results = [AdmissionResult.Injected, AdmissionResult.Skipped, AdmissionResult.Error];

    private readonly Counter<long> _admissions;

    /// <summary>Exports every series at 0 (create it once the meter provider listens), so an alert on the error rate
    /// works from the first scrape.</summary>
    public InjectorMetrics(IMeterFactory meterFactory, SidecarMeter sidecarMeter)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(sidecarMeter);
        var meter = meterFactory.Create(sidecarMeter.Name);
        _admissions = meter.CreateCounter<long>(AdmissionsName,
            description: "AdmissionReviews answered by the injector webhook, by result (injected, skipped, error: admitted unchanged).");
        foreach (var result in s_results)
        {
            _admissions.Add(0, new KeyValuePair<string, object?>("result", ResultLabel(result)));
        }
    }

    public static string ResultLabel(AdmissionResult result) => result switch
    {
        AdmissionResult.Injected => "injected",
        AdmissionResult.Skipped => "skipped",
        AdmissionResult.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, null),
    };

    public void Answered(AdmissionResult result) => _admissions.Add(1, new KeyValuePair<string, object?>("result", ResultLabel(result)));
}
