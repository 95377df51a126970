using HeadlessSidecar.Configuration;
using HeadlessSidecar.FileWatching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.Tls;

/// <summary>
/// The current <see cref="TlsMaterial"/> of one service, reloaded when its <c>CaFile</c>, <c>CertFile</c> or
/// <c>KeyFile</c> change (one <see cref="FileWatcher"/> over the three, so a Secret's <c>..data</c> swap that changes
/// them together is one reload). New content is checked before it is taken; refused content is logged and counted,
/// and the material in use stays.
/// </summary>
internal sealed partial class TlsMaterialSource : IDisposable
{
    private readonly string _service;
    private readonly TlsOptions _options;
    private readonly TimeProvider _time;
    private readonly TlsMetrics? _metrics;
    private readonly ILogger _logger;
    private readonly FileWatcher? _watcher;
    private readonly IDisposable? _subscription;
    private readonly Lock _lock = new();
    private TlsMaterial? _current;
    private long _loadedVersion;
    private string? _fileError;

    public TlsMaterialSource(string service, TlsOptions options, FileWatcherOptions watch, TimeProvider time, TlsMetrics? metrics, ILoggerFactory loggerFactory)
    {
        _service = service;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger<TlsMaterialSource>();
        var paths = Paths(options);
        if (paths.Count == 0)
        {
            // The system trust store and no client certificate: nothing to watch.
            _current = new TlsMaterial(1, null, null, null, null);
        }
        else
        {
            _watcher = new FileWatcher(paths, watch, time, loggerFactory.CreateLogger<FileWatcher>());
            Refresh();
            _subscription = ChangeToken.OnChange(_watcher.GetChangeToken, Refresh);
        }
        metrics?.ServiceKnown(service, () => Current);
    }

    /// <summary>The material in use, or null when the files never loaded (every handshake then fails).</summary>
    public TlsMaterial? Current => Volatile.Read(ref _current);

    /// <summary>Why the files never loaded, while <see cref="Current"/> is null.</summary>
    public string? InitialError { get; private set; }

    private static List<string> Paths(TlsOptions options)
    {
        var paths = new List<string>(3);
        if (options.CaFile is { } ca)
        {
            paths.Add(ca);
        }
        if (options.CertFile is { } cert && options.KeyFile is { } key)
        {
            paths.Add(cert);
            paths.Add(key);
        }
        return paths;
    }

    private void Refresh()
    {
        lock (_lock)
        {
            var snapshot = _watcher!.Current;
            if (snapshot.Version == _loadedVersion)
            {
                // Only the files' readability changed. A file that went away is a change that brought no usable
                // material: refused and counted once, the material in use stays.
                if (snapshot.Error is { } error && _fileError is null && _current is not null)
                {
                    _metrics?.Reload(_service, success: false);
                    Log.ReloadRefused(_logger, _service, error, _current.Generation);
                }
                _fileError = snapshot.Error;
                return;
            }
            var first = _loadedVersion == 0;
            _loadedVersion = snapshot.Version;
            _fileError = snapshot.Error;
            if (snapshot.Version == 0)
            {
                InitialError = snapshot.Error;
                Log.NotLoaded(_logger, _service, snapshot.Error ?? "unreadable");
                return;
            }
            var files = snapshot.Files;
            var index = 0;
            var ca = _options.CaFile is not null ? files[index++].Content.ToArray() : null;
            byte[]? cert = null, key = null;
            if (_options.CertFile is not null && _options.KeyFile is not null)
            {
                cert = files[index++].Content.ToArray();
                key = files[index].Content.ToArray();
            }
            var problems = new List<TlsMaterialLoader.Problem>();
            var generation = (_current?.Generation ?? 0) + 1;
            var material = TlsMaterialLoader.Load(ca, cert, key, _time.GetUtcNow(), generation, problems);
            if (material is null)
            {
                var reason = string.Join("; ", problems.Select(p => $"Tls:{p.Key}: {p.Reason}"));
                if (first || _current is null)
                {
                    InitialError = reason;
                    Log.NotLoaded(_logger, _service, reason);
                }
                else
                {
                    _metrics?.Reload(_service, success: false);
                    Log.ReloadRefused(_logger, _service, reason, _current.Generation);
                }
                return;
            }
            InitialError = null;
            Volatile.Write(ref _current, material);
            if (!first)
            {
                _metrics?.Reload(_service, success: true);
                Log.Reloaded(_logger, _service, material.Generation, material.ClientCertificate?.TargetCertificate.Thumbprint ?? "none",
                    material.ClientNotAfter?.ToString("u") ?? "-", material.CaNotAfter?.ToString("u") ?? "-");
            }
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _watcher?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Service {Service}: TLS files not loaded: {Reason}; handshakes with its pods fail until they load")]
        public static partial void NotLoaded(ILogger logger, string service, string reason);

        [LoggerMessage(2, LogLevel.Error, "Service {Service}: new TLS material refused: {Reason}; generation {Generation} stays in use")]
        public static partial void ReloadRefused(ILogger logger, string service, string reason, long generation);

        [LoggerMessage(3, LogLevel.Information, "Service {Service}: TLS material reloaded (generation {Generation}, client certificate {Thumbprint}, client expires {ClientNotAfter}, CA expires {CaNotAfter}); new connections use it")]
        public static partial void Reloaded(ILogger logger, string service, long generation, string thumbprint, string clientNotAfter, string caNotAfter);
    }
}
