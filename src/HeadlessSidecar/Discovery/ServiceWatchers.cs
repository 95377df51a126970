using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using HeadlessSidecar.Configuration;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// The <see cref="ServiceWatcher"/> of each configured service, and their runs. A reload starts watchers for added
/// services, stops those of removed ones, and restarts one (same <see cref="ServiceEndpoints"/>, so pods that resolve
/// to the same addresses keep their state) when its <c>Host</c>, <c>PortName</c>, <c>Port</c> or the <c>Dns</c> settings change.
/// </summary>
internal sealed class ServiceWatchers
{
    private readonly DiscoveryMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ServiceWatcher> _logger;
    private readonly Lock _lock = new();
    private FrozenDictionary<string, Running> _watchers;
    private ServiceResolver _resolver;
    private DnsOptions _dns;
    private CancellationToken? _stopping;

    public ServiceWatchers(SidecarOptions options, EndpointRegistry registry, ServiceResolver resolver, DiscoveryMetrics metrics,
        TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<ServiceWatcher>();
        _resolver = resolver;
        _dns = options.Dns;
        _watchers = options.Services.ToFrozenDictionary(s => s.Name, s => new Running(Create(s, registry[s.Name])), StringComparer.Ordinal);
    }

    public ServiceWatcher this[string service] => Volatile.Read(ref _watchers)[service].Watcher;

    public IEnumerable<ServiceWatcher> All => Volatile.Read(ref _watchers).Values.Select(r => r.Watcher);

    public bool TryGet(string service, [MaybeNullWhen(false)] out ServiceWatcher watcher)
    {
        var found = Volatile.Read(ref _watchers).TryGetValue(service, out var running);
        watcher = running?.Watcher;
        return found;
    }

    /// <summary>Asks the service's current watcher for an early resolution (whichever watcher a reload left in place).</summary>
    public void RequestRefresh(string service)
    {
        if (Volatile.Read(ref _watchers).TryGetValue(service, out var running))
        {
            running.Watcher.RequestRefresh();
        }
    }

    /// <summary>Runs every watcher, and those a reload starts later, until <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        lock (_lock)
        {
            _stopping = stoppingToken;
            foreach (var running in _watchers.Values)
            {
                running.Start(stoppingToken);
            }
        }
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(Volatile.Read(ref _watchers).Values.Select(r => r.Run));
    }

    /// <summary>The resolver (and <c>Dns</c> settings) the next watchers use; the caller restarts the running ones.</summary>
    public void UseDns(DnsOptions dns, ServiceResolver resolver)
    {
        lock (_lock)
        {
            _dns = dns;
            _resolver = resolver;
        }
    }

    /// <summary>Starts (or restarts) the watcher of <paramref name="service"/> into <paramref name="endpoints"/>; the old one
    /// is stopped first, so only one ever publishes.</summary>
    public async Task StartAsync(ServiceOptions service, ServiceEndpoints endpoints)
    {
        await StopAsync(service.Name);
        lock (_lock)
        {
            var running = new Running(Create(service, endpoints));
            _watchers = _watchers.Where(w => w.Key != service.Name).Append(new(service.Name, running)).ToFrozenDictionary(StringComparer.Ordinal);
            if (_stopping is { } stopping)
            {
                running.Start(stopping);
            }
        }
    }

    /// <summary>Stops the watcher of a removed (or re-discovered) service and waits until it ran its last publish.</summary>
    public async Task StopAsync(string service)
    {
        Running? running;
        lock (_lock)
        {
            if (!_watchers.TryGetValue(service, out running))
            {
                return;
            }
            _watchers = _watchers.Where(w => w.Key != service).ToFrozenDictionary(StringComparer.Ordinal);
        }
        await running.StopAsync();
    }

    private ServiceWatcher Create(ServiceOptions service, ServiceEndpoints endpoints) =>
        new(service, _dns, endpoints, _resolver, _timeProvider, _logger, _metrics);

    private sealed class Running(ServiceWatcher watcher)
    {
        private CancellationTokenSource? _cancel;

        public ServiceWatcher Watcher { get; } = watcher;

        public Task Run { get; private set; } = Task.CompletedTask;

        public void Start(CancellationToken stopping)
        {
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var token = _cancel.Token;
            Run = Task.Run(() => Watcher.RunAsync(token), CancellationToken.None);
        }

        public async Task StopAsync()
        {
            if (_cancel is null)
            {
                return;
            }
            await _cancel.CancelAsync();
            await Run;
            _cancel.Dispose();
        }
    }
}
