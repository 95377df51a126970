using HeadlessSidecar.Configuration;
using HeadlessSidecar.FileWatching;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Tls;

/// <summary>
/// The <see cref="TlsConnector"/> of each service whose <c>Tls:Mode</c> is not <c>Disabled</c>. A service whose
/// <c>Tls</c> settings change (a configuration reload) gets a new connector, with its own material and file watch;
/// pools built for the old settings keep theirs until they are retired.
/// </summary>
internal sealed class TlsConnectors : IDisposable
{
    private readonly TlsMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly FileWatcherOptions _watch;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TlsConnector> _connectors = new(StringComparer.Ordinal);
    private readonly List<TlsConnector> _replaced = [];

    public TlsConnectors(SidecarOptions options, TlsMetrics? metrics, TimeProvider time, ILoggerFactory loggerFactory, FileWatcherOptions? watch = null)
    {
        _metrics = metrics;
        _time = time;
        _loggerFactory = loggerFactory;
        _watch = watch ?? new FileWatcherOptions();
        foreach (var service in options.Services)
        {
            For(service);
        }
    }

    /// <summary>No TLS anywhere: for tests and tools that build pools by hand.</summary>
    public static TlsConnectors None { get; } = new(new SidecarOptions(), null, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

    /// <summary>The connector for <paramref name="service"/>'s current <c>Tls</c> settings; null when TLS is off.</summary>
    public TlsConnector? For(ServiceOptions service)
    {
        if (!service.Tls.Enabled)
        {
            return null;
        }
        lock (_lock)
        {
            if (_connectors.TryGetValue(service.Name, out var existing))
            {
                if (SameSettings(existing.Options, service.Tls))
                {
                    return existing;
                }
                // Old pools may still hold it while they drain: stop its watch later, not now.
                _replaced.Add(existing);
            }
            var material = new TlsMaterialSource(service.Name, service.Tls, _watch, _time, _metrics, _loggerFactory);
            var connector = new TlsConnector(service.Name, service.Host, service.Tls, material, _metrics, _loggerFactory.CreateLogger<TlsConnector>());
            _connectors[service.Name] = connector;
            return connector;
        }
    }

    /// <summary>A service was removed or turned TLS off: its watch stops and its expiry is no longer exported.</summary>
    public void Remove(string service)
    {
        lock (_lock)
        {
            if (_connectors.Remove(service, out var connector))
            {
                _replaced.Add(connector);
                _metrics?.ServiceGone(service);
            }
        }
    }

    /// <summary>Whether two <c>Tls</c> sections mean the same handshakes (a reload that changes none keeps the pools).</summary>
    public static bool SameSettings(TlsOptions a, TlsOptions b) =>
        a.Mode == b.Mode && a.CaFile == b.CaFile && a.CertFile == b.CertFile && a.KeyFile == b.KeyFile
        && string.Equals(a.ServerName, b.ServerName, StringComparison.OrdinalIgnoreCase)
        && a.MinVersion == b.MinVersion && a.InsecureSkipVerify == b.InsecureSkipVerify;

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var connector in _connectors.Values.Concat(_replaced))
            {
                connector.Dispose();
            }
            _connectors.Clear();
            _replaced.Clear();
        }
    }
}
