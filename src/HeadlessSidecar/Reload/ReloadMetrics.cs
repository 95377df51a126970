using System.Diagnostics.Metrics;
using HeadlessSidecar.Metrics;

namespace HeadlessSidecar.Reload;

/// <summary>
/// Contract section 10's instruments: <c>headless_sidecar_config_reloads_total{result}</c>, exported at 0 for both
/// results from the start, and <c>headless_sidecar_config_last_reload_successful</c>, 1 until a reload fails.
/// </summary>
internal sealed class ReloadMetrics
{
    public const string ReloadsName = "headless_sidecar.config.reloads";
    public const string LastReloadSuccessfulName = "headless_sidecar.config.last_reload_successful";

    private readonly Counter<long> _reloads;
    private int _lastSuccessful = 1;

    public ReloadMetrics(IMeterFactory meterFactory, SidecarMeter sidecarMeter)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(sidecarMeter);
        var meter = meterFactory.Create(sidecarMeter.Name);
        _reloads = meter.CreateCounter<long>(ReloadsName,
            description: "Configuration reloads (file change or SIGHUP), by result; a failed one left the running configuration as it was.");
        meter.CreateObservableGauge(LastReloadSuccessfulName, () => Volatile.Read(ref _lastSuccessful),
            description: "1 when the latest configuration reload succeeded (or none was tried yet), 0 when it failed.");
        _reloads.Add(0, new KeyValuePair<string, object?>("result", "success"));
        _reloads.Add(0, new KeyValuePair<string, object?>("result", "failure"));
    }

    public bool LastSuccessful => Volatile.Read(ref _lastSuccessful) == 1;

    public void Succeeded()
    {
        _reloads.Add(1, new KeyValuePair<string, object?>("result", "success"));
        Volatile.Write(ref _lastSuccessful, 1);
    }

    public void Failed()
    {
        _reloads.Add(1, new KeyValuePair<string, object?>("result", "failure"));
        Volatile.Write(ref _lastSuccessful, 0);
    }
}
