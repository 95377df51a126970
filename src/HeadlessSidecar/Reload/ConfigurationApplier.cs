using System.Collections.Frozen;
using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Health;
using HeadlessSidecar.Hosting;
using HeadlessSidecar.Limits;
using HeadlessSidecar.Routing;
using HeadlessSidecar.Runtime;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HeadlessSidecar.Reload;

/// <summary>
/// Applies a validated configuration to the running sidecar (contract section 10), all or nothing: the new listeners
/// are bound first (a failure changes nothing), then the next "services → runtime" snapshot is built from the running
/// one (unchanged and changed services keep their runtime, pods, pools and pod state; added ones get a new runtime) and
/// swapped in whole. What the change touches is renewed after the swap: pools, discovery, probes, ordinal ports. Removed
/// services stop accepting and drain for <c>DrainTimeout</c> in the background.
/// </summary>
internal sealed partial class ConfigurationApplier : IConfigurationApplier, IDisposable
{
    private readonly ServiceRuntimeRegistry _registry;
    private readonly EndpointRegistry _endpoints;
    private readonly ServiceWatchers _watchers;
    private readonly DnsResolverFactory _resolvers;
    private readonly ListenerMap _map;
    private readonly ProxyListeners _listeners;
    private readonly ListenerLimiters _limiters;
    private readonly OrdinalPortManager _ordinalPorts;
    private readonly HealthProber _prober;
    private readonly AppConnections _connections;
    private readonly KestrelServerOptions _kestrel;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _applying = new(1, 1);
    // Cancelled when the host goes: a drain still running ends with it (shutdown drains everything anyway).
    private readonly CancellationTokenSource _stopping = new();
    // Listen addresses of removed services (and moved listeners) whose open connections still reach their old runtime.
    private FrozenDictionary<IPEndPoint, ListenerBinding> _retired = FrozenDictionary<IPEndPoint, ListenerBinding>.Empty;

    public ConfigurationApplier(ServiceRuntimeRegistry registry, EndpointRegistry endpoints, ServiceWatchers watchers, DnsResolverFactory resolvers,
        ListenerMap map, ProxyListeners listeners, ListenerLimiters limiters, OrdinalPortManager ordinalPorts, HealthProber prober,
        AppConnections connections, IOptions<KestrelServerOptions> kestrel, TimeProvider time, ILogger<ConfigurationApplier> logger)
    {
        _registry = registry;
        _endpoints = endpoints;
        _watchers = watchers;
        _resolvers = resolvers;
        _map = map;
        _listeners = listeners;
        _limiters = limiters;
        _ordinalPorts = ordinalPorts;
        _prober = prober;
        _connections = connections;
        _kestrel = kestrel.Value;
        _time = time;
        _logger = logger;
    }

    public SidecarOptions Current => _registry.Options;

    /// <summary>Completes when the drains started by reloads so far have ended (for tests and shutdown).</summary>
    internal Task Drains => Volatile.Read(ref _drains);

    private Task _drains = Task.CompletedTask;

    public async Task<ReloadChanges> ApplyAsync(SidecarOptions next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        await _applying.WaitAsync(cancellationToken);
        try
        {
            var current = _registry.Options;
            var diff = ConfigurationDiff.Compute(current, next);
            if (diff.IsEmpty)
            {
                return ReloadChanges.None;
            }
            // Needs a restart: left as it was, and the configuration in effect says so.
            next.AdminListen = current.AdminListen;

            // The only step that can fail, and it comes first: nothing has changed if it throws.
            var bound = await _listeners.PrepareAsync(next, cancellationToken);
            try
            {
                await CommitAsync(current, next, diff);
            }
            catch
            {
                // A bug, not a busy address; the new sockets must not linger.
                await _listeners.RollbackAsync(bound);
                throw;
            }
            return new ReloadChanges(diff.Describe(), diff.RestartRequired);
        }
        finally
        {
            _applying.Release();
        }
    }

    private async Task CommitAsync(SidecarOptions current, SidecarOptions next, ConfigurationDiff diff)
    {
        var old = _registry.Current;
        _limiters.Apply(next);
        if (diff.LimitsChanged)
        {
            // Kestrel reads these per connection (head limits per request): they apply to new connections.
            KestrelLimits.Apply(_kestrel.Limits, next.Limits);
        }

        var services = new Dictionary<string, ServiceRuntime>(StringComparer.Ordinal);
        var started = new List<ServiceRuntime>();
        var rediscovered = new List<ServiceRuntime>();
        var retiring = new List<ServiceRuntime>();
        foreach (var service in next.Services)
        {
            var change = diff[service.Name]!;
            if (change.Kind is ServiceChangeKind.Added or ServiceChangeKind.Replaced)
            {
                if (change.Kind == ServiceChangeKind.Replaced)
                {
                    retiring.Add(old.Services[service.Name]);
                }
                var runtime = _registry.Create(service, _endpoints.Add(service));
                runtime.RequestRefresh = RefreshOf(service.Name);
                services[service.Name] = runtime;
                started.Add(runtime);
                continue;
            }
            var kept = old.Services[service.Name];
            // Unchanged services too: a Limits change reaches their pools (MaxPendingPerPod), and the snapshot is all new.
            kept.Reconfigure(service, renewPools: change.Effects.HasFlag(ServiceEffects.NewPools));
            services[service.Name] = kept;
            if (change.Effects.HasFlag(ServiceEffects.NewDiscovery) || diff.DnsChanged)
            {
                rediscovered.Add(kept);
            }
        }
        retiring.AddRange(old.Services.Values.Where(s => !services.ContainsKey(s.Name)));

        // Connections accepted on a listener that goes away keep reaching the runtime they were accepted for, until drained.
        var nextListens = next.Services.Select(s => s.Listen).ToHashSet();
        var retired = new Dictionary<IPEndPoint, ListenerBinding>(_retired);
        foreach (var listen in current.Services.Select(s => s.Listen).Distinct().Where(l => !nextListens.Contains(l)))
        {
            if (_map.FindListen(listen) is { } binding)
            {
                retired[listen] = binding;
            }
        }
        foreach (var listen in nextListens)
        {
            retired.Remove(listen);
        }
        _retired = retired.ToFrozenDictionary();

        // The swap: from here on new requests and connections see the next configuration.
        var snapshot = services.ToFrozenDictionary(StringComparer.Ordinal);
        _registry.Swap(next, snapshot);
        _map.Rebuild(snapshot.Values, _retired);
        var goneListens = _listeners.Commit(next);
        // A listener that changed protocol (a service replaced in place) serves its next connections the new way; the
        // keep-alive HTTP connections it already has are asked to close, so no later request on them meets a Tcp service.
        var protocolChanged = diff.Services.Where(d => d.Kind == ServiceChangeKind.Replaced)
            .Select(d => old.Services[d.Name].Options.Listen).Where(nextListens.Contains).ToHashSet();
        if (protocolChanged.Count > 0)
        {
            _connections.RequestClose(protocolChanged);
        }

        if (diff.DnsChanged)
        {
            _watchers.UseDns(next.Dns, _resolvers.Create(next.Dns));
        }
        foreach (var runtime in started.Concat(rediscovered))
        {
            // A restarted watcher publishes into the same feed: pods found at the same address keep pools and state.
            await _watchers.StartAsync(runtime.Options, runtime.Endpoints);
        }
        foreach (var removed in retiring.Where(r => !snapshot.ContainsKey(r.Name)))
        {
            await _watchers.StopAsync(removed.Name);
        }
        _prober.Reconcile();
        var closedPorts = await _ordinalPorts.ReconcileAsync();
        await _listeners.RemoveAsync(goneListens);

        HashSet<IPEndPoint> draining = [.. goneListens, .. closedPorts];
        if (draining.Count > 0 || retiring.Count > 0)
        {
            var drain = DrainAsync(draining, retiring, next.DrainTimeout);
            var previous = Volatile.Read(ref _drains);
            Volatile.Write(ref _drains, Task.WhenAll(previous, drain));
        }
    }

    private Action RefreshOf(string service) => () => _watchers.RequestRefresh(service);

    /// <summary>
    /// Removed listeners and services: their app connections are asked to close (idle keep-alive ones close at once, busy
    /// ones after their request; HTTP/2 gets GOAWAY); what is still open after <paramref name="drainTimeout"/> is closed.
    /// Then the removed runtimes let go of their pods and pools.
    /// </summary>
    private async Task DrainAsync(HashSet<IPEndPoint> endPoints, IReadOnlyList<ServiceRuntime> runtimes, TimeSpan drainTimeout)
    {
        try
        {
            _connections.RequestClose(endPoints);
            var deadline = _time.GetUtcNow() + drainTimeout;
            while (_time.GetUtcNow() < deadline && (_connections.CountOn(endPoints) > 0 || runtimes.Any(InFlight)))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, _stopping.Token);
            }
            var left = _connections.CountOn(endPoints);
            if (left > 0)
            {
                Log.DrainTimedOut(_logger, drainTimeout, left);
                _connections.Abort(endPoints, "A reload removed this listener and its DrainTimeout has passed.");
            }
            await _applying.WaitAsync(_stopping.Token);
            try
            {
                _retired = _retired.Where(r => !endPoints.Contains(r.Key)).ToFrozenDictionary();
                _map.Rebuild(_registry.Services.Values, _retired);
            }
            finally
            {
                _applying.Release();
            }
            foreach (var runtime in runtimes)
            {
                runtime.Dispose();
                _endpoints.Remove(runtime.Endpoints);
                Log.Retired(_logger, runtime.Name);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException && _stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.DrainFailed(_logger, ex);
        }
    }

    public void Dispose()
    {
        // The semaphore stays: a drain may still be between its last check and its wait.
        _stopping.Cancel();
    }

    private static bool InFlight(ServiceRuntime runtime) => runtime.Table.Pods.Any(p => p.ActiveRequests > 0);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Reload: DrainTimeout ({DrainTimeout}) passed with {Connections} connections of removed listeners still open; closing them")]
        public static partial void DrainTimedOut(ILogger logger, TimeSpan drainTimeout, int connections);

        [LoggerMessage(2, LogLevel.Information, "Reload: service {Service} drained and stopped")]
        public static partial void Retired(ILogger logger, string service);

        [LoggerMessage(3, LogLevel.Error, "Reload: draining removed listeners failed")]
        public static partial void DrainFailed(ILogger logger, Exception exception);
    }
}
