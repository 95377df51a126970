using System.Runtime.InteropServices;
using HeadlessSidecar.Commands;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.FileWatching;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.Reload;

/// <summary>
/// Contract section 10's triggers: a change of the configuration files (a mounted ConfigMap's <c>..data</c> swap
/// included) and SIGHUP. Each debounced burst reads the configuration again as start-up did (the files, then
/// environment variables and command-line overrides, validated as <c>validate</c> does) and hands it to the
/// <see cref="IConfigurationApplier"/>, all or nothing; every outcome is counted and logged.
/// </summary>
/// <remarks>
/// The files are polled by a <see cref="FileWatcher"/> (content hashes; half-written content is never published),
/// since .NET's own file watching misses the kubelet's symlink swap. New content is a reload; the same content
/// again is none. A file that cannot be read is a failed reload that changes nothing, counted once per distinct
/// problem; when it can be read again the configuration is read again. SIGHUP always reads the files again.
/// Without an origin (a host built from in-memory settings) there is nothing to read again, and nothing is watched.
/// </remarks>
internal sealed partial class ConfigurationReloader : IHostedService, IDisposable
{
    private readonly ConfigurationOrigin? _origin;
    private readonly IConfigurationApplier _applier;
    private readonly ReloadMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ReloadTimings _timings;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _runLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private ReloadDebouncer? _debouncer;
    private FileWatcher? _watcher;
    private IDisposable? _subscription;
    private PosixSignalRegistration? _sighup;
    // The watcher's content version the running configuration was last read against (successfully or not).
    private long _seenVersion;
    // The file problem last counted as a failure; null while the files read.
    private string? _fileProblem;
    private Task _running = Task.CompletedTask;

    public ConfigurationReloader(IConfigurationApplier applier, ReloadMetrics metrics, TimeProvider time, ReloadTimings timings,
        ILoggerFactory loggerFactory, ConfigurationOrigin? origin = null)
    {
        _origin = origin;
        _applier = applier;
        _metrics = metrics;
        _time = time;
        _timings = timings;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ConfigurationReloader>();
    }

    /// <summary>How many reloads were attempted (each counted once as success or failure); for tests.</summary>
    internal int Attempts { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        WarnInsecure(_applier.Current);
        if (_origin is null)
        {
            return Task.CompletedTask;
        }
        _debouncer = new ReloadDebouncer(_time, _timings, OnBurstEnded);
        var files = _origin.WatchedFiles();
        if (files.Count > 0)
        {
            _watcher = new FileWatcher(files, new FileWatcherOptions { PollInterval = _timings.PollInterval }, _time,
                _loggerFactory.CreateLogger<FileWatcher>());
            _seenVersion = _watcher.Current.Version;
            _subscription = ChangeToken.OnChange(_watcher.GetChangeToken, () => _debouncer.Signal(ReloadTrigger.File));
        }
        if (!OperatingSystem.IsWindows())
        {
            // The default action of SIGHUP ends the process: cancelling it makes the signal a reload request.
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                _debouncer.Signal(ReloadTrigger.Signal);
            });
        }
        Log.Watching(_logger, files.Count == 0 ? "(no file)" : string.Join(", ", files));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _sighup?.Dispose();
        _subscription?.Dispose();
        _debouncer?.Dispose();
        await _stopping.CancelAsync();
        Task running;
        lock (_runLock)
        {
            running = _running;
        }
        await running.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Reloads at once, as a debounced burst would; for tests.</summary>
    internal Task ReloadAsync(ReloadTrigger triggers) => RunSerialAsync(triggers);

    private void OnBurstEnded(ReloadTrigger triggers) => _ = RunSerialAsync(triggers);

    private Task RunSerialAsync(ReloadTrigger triggers)
    {
        // Reloads run one after another; a burst that ends while one runs waits for it.
        lock (_runLock)
        {
            var previous = _running;
            _running = RunAfterAsync(previous, triggers);
            return _running;
        }
    }

    private async Task RunAfterAsync(Task previous, ReloadTrigger triggers)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        try
        {
            await ReloadOnceAsync(triggers, _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The applier leaves the running configuration as it was when it throws; a failure all the same.
            Log.Crashed(_logger, ex);
            _metrics.Failed();
        }
    }

    private async Task ReloadOnceAsync(ReloadTrigger triggers, CancellationToken cancellationToken)
    {
        var trigger = Describe(triggers);
        if (_watcher?.Current is { } files)
        {
            if (files.Error is { } error)
            {
                // A deleted or unreadable file is not a configuration. Counted once per problem, not once per poll.
                if (error == _fileProblem && !triggers.HasFlag(ReloadTrigger.Signal))
                {
                    return;
                }
                _fileProblem = error;
                Fail(trigger, [FileProblem(error)]);
                return;
            }
            var recovered = _fileProblem is not null;
            if (files.Version == _seenVersion)
            {
                if (!recovered && !triggers.HasFlag(ReloadTrigger.Signal))
                {
                    // The same content again (rewritten, touched, or changed and changed back within a burst): no reload.
                    return;
                }
                if (recovered && !triggers.HasFlag(ReloadTrigger.Signal) && !StillOnDisk(files))
                {
                    // Readable again with new content: the watcher publishes it once two polls read it alike, and that is
                    // the reload (one, not one now and one then).
                    return;
                }
            }
            _fileProblem = null;
            _seenVersion = files.Version;
        }

        Attempts++;
        var next = Read(out var problems);
        if (next is null)
        {
            Fail(trigger, problems);
            return;
        }
        ReloadChanges changes;
        try
        {
            changes = await _applier.ApplyAsync(next, cancellationToken);
        }
        catch (ConfigurationApplyException ex)
        {
            Fail(trigger, ex.Problems);
            return;
        }
        // Logged before it is counted: whoever sees the count change finds the lines that explain it.
        Log.Reloaded(_logger, trigger, changes.Changes.Count == 0 ? "no change" : string.Join("; ", changes.Changes));
        if (changes.RestartRequired.Count > 0)
        {
            Log.RestartRequired(_logger, string.Join(", ", changes.RestartRequired));
        }
        WarnInsecure(_applier.Current);
        _metrics.Succeeded();
    }

    /// <summary>The configuration as <c>run</c> and <c>validate</c> read it, or null with one <c>key: reason</c> per problem.</summary>
    private SidecarOptions? Read(out IReadOnlyList<string> problems)
    {
        Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
        try
        {
            configuration = SidecarConfiguration.Build(_origin!.ConfigFile, [.. _origin.Overrides]);
        }
        catch (ConfigurationFileException ex)
        {
            problems = [ex.Message];
            return null;
        }
        var options = SidecarOptionsReader.Read(configuration, out var errors);
        problems = [.. errors.Select(e => e.ToString())];
        return errors.Count == 0 ? options : null;
    }

    private void Fail(string trigger, IReadOnlyList<string> problems)
    {
        Log.Failed(_logger, trigger, problems.Count);
        foreach (var problem in problems)
        {
            Log.Problem(_logger, problem);
        }
        _metrics.Failed();
    }

    /// <summary>Whether the files hold the content of <paramref name="files"/> now.</summary>
    private static bool StillOnDisk(FileSetSnapshot files)
    {
        foreach (var file in files.Files)
        {
            try
            {
                if (!string.Equals(WatchedFile.HashOf(File.ReadAllBytes(file.Path)), file.Hash, StringComparison.Ordinal))
                {
                    return false;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The watcher's <c>'PATH' does not exist</c> named as start-up names that file.</summary>
    private string FileProblem(string error) =>
        _origin?.ConfigFile is { } config && error.StartsWith($"'{Path.GetFullPath(config)}'", StringComparison.Ordinal)
            ? $"--config: {error}"
            : $"appsettings.json: {error}";

    private void WarnInsecure(SidecarOptions options)
    {
        foreach (var service in options.Services)
        {
            if (service.Tls.Enabled && service.Tls.InsecureSkipVerify)
            {
                Log.InsecureSkipVerify(_logger, service.Name);
            }
        }
    }

    private static string Describe(ReloadTrigger triggers) => triggers switch
    {
        ReloadTrigger.File => "file change",
        ReloadTrigger.Signal => "SIGHUP",
        ReloadTrigger.File | ReloadTrigger.Signal => "file change and SIGHUP",
        _ => "request",
    };

    public void Dispose()
    {
        _sighup?.Dispose();
        _subscription?.Dispose();
        _debouncer?.Dispose();
        _watcher?.Dispose();
        _stopping.Dispose();
    }
}
