using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using HeadlessSidecar.Metrics;

namespace HeadlessSidecar.Tls;

/// <summary>
/// Contract section 9's instruments: handshakes per pod (probes included), reloads of a service's files, and the
/// expiry of the material in use, read at scrape time from the services' current material.
/// </summary>
internal sealed class TlsMetrics
{
    public const string HandshakesName = "headless_sidecar.tls_handshakes";
    public const string ReloadsName = "headless_sidecar.tls_reloads";
    public const string ExpiryName = "headless_sidecar.tls_certificate_expiry_timestamp_seconds";

    private readonly Counter<long> _handshakes;
    private readonly Counter<long> _reloads;
    private readonly ConcurrentDictionary<string, Func<TlsMaterial?>> _material = new(StringComparer.Ordinal);

    public TlsMetrics(IMeterFactory meterFactory, SidecarMeter? sidecarMeter = null)
    {
        var meter = meterFactory.Create((sidecarMeter ?? new SidecarMeter()).Name);
        _handshakes = meter.CreateCounter<long>(HandshakesName, description: "TLS handshakes with pods (requests, warm connections, TCP sessions and probes), by result.");
        _reloads = meter.CreateCounter<long>(ReloadsName, description: "Changes of a service's TLS files, by whether the new material was taken.");
        meter.CreateObservableGauge(ExpiryName, Observe,
            description: "Earliest notAfter (Unix seconds) of the TLS material in use: kind client (the client certificate chain) or ca (CaFile).");
    }

    /// <summary>A TLS service appeared: its reload series are exported at 0, its expiry read from <paramref name="material"/>.</summary>
    public void ServiceKnown(string service, Func<TlsMaterial?> material)
    {
        _material[service] = material;
        _reloads.Add(0, new("service", service), new("result", "success"));
        _reloads.Add(0, new("service", service), new("result", "failure"));
    }

    public void ServiceGone(string service) => _material.TryRemove(service, out _);

    public void PodKnown(string service, string pod)
    {
        _handshakes.Add(0, new("service", service), new("pod", pod), new("result", "success"));
        _handshakes.Add(0, new("service", service), new("pod", pod), new("result", "failure"));
    }

    public void Handshake(string service, string pod, bool success) =>
        _handshakes.Add(1, new("service", service), new("pod", pod), new("result", success ? "success" : "failure"));

    public void Reload(string service, bool success) =>
        _reloads.Add(1, new("service", service), new("result", success ? "success" : "failure"));

    private IEnumerable<Measurement<double>> Observe()
    {
        foreach (var (service, read) in _material)
        {
            if (read() is not { } material)
            {
                continue;
            }
            if (material.ClientNotAfter is { } client)
            {
                yield return new Measurement<double>(client.ToUnixTimeSeconds(), new("service", service), new("kind", "client"));
            }
            if (material.CaNotAfter is { } ca)
            {
                yield return new Measurement<double>(ca.ToUnixTimeSeconds(), new("service", service), new("kind", "ca"));
            }
        }
    }
}
