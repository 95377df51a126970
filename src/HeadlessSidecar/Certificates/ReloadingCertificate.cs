using System.Net.Security;
using System.Text;
using HeadlessSidecar.FileWatching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.Certificates;

/// <summary>
/// A serving certificate read from a PEM certificate file and key file (a mounted <c>kubernetes.io/tls</c> Secret),
/// reloaded when they change on disk. New TLS connections get <see cref="Current"/>; a pair that does not load or
/// does not match keeps the previous certificate, so a bad rotation never takes the server down.
/// </summary>
internal sealed partial class ReloadingCertificate : IDisposable
{
    private readonly FileWatcher _watcher;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private readonly IDisposable _subscription;
    private SslStreamCertificateContext? _current;
    private long _loadedVersion;
    // Why the latest published content did not load; the files' own error state is the watcher's.
    private string? _loadError;

    public ReloadingCertificate(string certificateFile, string keyFile, FileWatcherOptions watch, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger<ReloadingCertificate>();
        _timeProvider = timeProvider;
        _watcher = new FileWatcher([certificateFile, keyFile], watch, timeProvider, loggerFactory.CreateLogger<FileWatcher>());
        _subscription = ChangeToken.OnChange(_watcher.GetChangeToken, Refresh);
        Refresh();
    }

    /// <summary>The certificate to serve, or null while none has loaded.</summary>
    public SslStreamCertificateContext? Current => Volatile.Read(ref _current);

    /// <summary>Why the files cannot be read now, or else why their latest content did not load; null when it loaded.</summary>
    public string? LastError => _watcher.Current.Error ?? Volatile.Read(ref _loadError);

    private void Refresh()
    {
        lock (_lock)
        {
            var snapshot = _watcher.Current;
            if (snapshot.Version == _loadedVersion)
            {
                // Only the files' error state changed; the watcher logs it. The certificate in use stays.
                return;
            }
            _loadedVersion = snapshot.Version;
            var certificate = snapshot.Files[0];
            var key = snapshot.Files[1];
            if (!PemCertificateLoader.TryLoad(Encoding.UTF8.GetString(certificate.Content.Span), Encoding.UTF8.GetString(key.Content.Span), out var context, out var error))
            {
                Volatile.Write(ref _loadError, error);
                if (_current is null)
                {
                    Log.LoadFailed(_logger, certificate.ResolvedPath, key.ResolvedPath, error!);
                }
                else
                {
                    Log.ReloadFailedKeptPrevious(_logger, certificate.ResolvedPath, key.ResolvedPath, error!, _current.TargetCertificate.Thumbprint);
                }
                return;
            }
            var leaf = context!.TargetCertificate;
            Log.Loaded(_logger, leaf.Subject, leaf.NotAfter.ToUniversalTime(), leaf.Thumbprint, certificate.ResolvedPath);
            if (leaf.NotAfter.ToUniversalTime() < _timeProvider.GetUtcNow().UtcDateTime)
            {
                Log.Expired(_logger, leaf.Thumbprint, leaf.NotAfter.ToUniversalTime());
            }
            Volatile.Write(ref _loadError, null);
            Volatile.Write(ref _current, context);
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _watcher.Dispose();
    }
}
