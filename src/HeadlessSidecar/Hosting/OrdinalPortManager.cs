using System.Net;
using HeadlessSidecar.Routing;
using HeadlessSidecar.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// Opens <c>127.0.0.1:&lt;OrdinalPortBase + n&gt;</c> when pod n first appears and keeps it open afterwards: while
/// the pod is gone, requests there get 503 <c>pod_unavailable</c> (a <c>Tcp</c> service's connections are accepted and
/// closed at once) rather than a refused connection. A reload moves the ports with <c>OrdinalPortBase</c>
/// (<see cref="Reconcile"/>): the ports a service no longer has close, the new ones open.
/// </summary>
internal sealed partial class OrdinalPortManager : IHostedService
{
    private readonly ServiceRuntimeRegistry _registry;
    private readonly ProxyListeners _listeners;
    private readonly ListenerMap _map;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    // Port → the runtime it was opened for, under which OrdinalPortBase.
    private readonly Dictionary<int, (ServiceRuntime Service, int Base)> _opened = [];
    private bool _started;

    public OrdinalPortManager(ServiceRuntimeRegistry registry, ProxyListeners listeners, ListenerMap map, ILogger<OrdinalPortManager> logger)
    {
        _registry = registry;
        _listeners = listeners;
        _map = map;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _started = true;
        }
        _registry.Swapped += OnSwapped;
        foreach (var service in _registry.Services.Values)
        {
            Watch(service);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registry.Swapped -= OnSwapped;
        foreach (var service in _registry.Services.Values)
        {
            service.PodsAdded -= OnPodsAdded;
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// After a reload: ports whose service left, or whose <c>OrdinalPortBase</c> moved, close (their connections are
    /// returned for the drain); each service's ports are opened for its current pods under its current base.
    /// </summary>
    /// <returns>The ports closed.</returns>
    public async Task<IReadOnlyList<IPEndPoint>> ReconcileAsync()
    {
        var wanted = new Dictionary<int, (ServiceRuntime Service, int Ordinal)>();
        foreach (var service in _registry.Services.Values)
        {
            if (service.Options.OrdinalPortBase is int portBase)
            {
                foreach (var pod in service.Table.Pods)
                {
                    if (pod.Ordinal is int ordinal && portBase + ordinal <= IPEndPoint.MaxPort)
                    {
                        wanted[portBase + ordinal] = (service, ordinal);
                    }
                }
            }
        }
        List<int> close = [];
        lock (_lock)
        {
            foreach (var (port, (service, portBase)) in _opened.ToList())
            {
                var kept = _registry.Services.TryGetValue(service.Name, out var current) && ReferenceEquals(current, service)
                    && service.Options.OrdinalPortBase == portBase;
                if (wanted.TryGetValue(port, out var moved) && !(kept && ReferenceEquals(moved.Service, service)))
                {
                    // The port now belongs to another service (or a replaced runtime): handed over, not reopened.
                    _opened[port] = (moved.Service, moved.Service.Options.OrdinalPortBase!.Value);
                    _map.AddOrdinalPort(port, moved.Service, moved.Ordinal);
                    _listeners.Group.Activate(new IPEndPoint(IPAddress.Loopback, port), _listeners.UseOf(moved.Service.Options));
                    continue;
                }
                // A port its service keeps (same base) stays open, its pod present or gone for now, as between reloads.
                if (!kept)
                {
                    close.Add(port);
                }
            }
            foreach (var port in close)
            {
                _opened.Remove(port);
                _map.RemoveOrdinalPort(port);
            }
        }
        var closed = close.Select(p => new IPEndPoint(IPAddress.Loopback, p)).ToList();
        await _listeners.RemoveAsync(closed);
        foreach (var service in _registry.Services.Values)
        {
            OnPodsAdded(service, service.Table.Pods);
        }
        return closed;
    }

    private void OnSwapped(IReadOnlyList<ServiceRuntime> added, IReadOnlyList<ServiceRuntime> removed)
    {
        foreach (var service in removed)
        {
            service.PodsAdded -= OnPodsAdded;
        }
        foreach (var service in added)
        {
            Watch(service);
        }
    }

    private void Watch(ServiceRuntime service)
    {
        service.PodsAdded += OnPodsAdded;
        OnPodsAdded(service, service.Table.Pods);
    }

    private void OnPodsAdded(ServiceRuntime service, IReadOnlyList<PodState> pods)
    {
        // The runtime's settings now: a reload may have moved or removed its base.
        if (service.Options.OrdinalPortBase is not int portBase || !_registry.Services.TryGetValue(service.Name, out var current)
            || !ReferenceEquals(current, service))
        {
            return;
        }
        foreach (var pod in pods)
        {
            if (pod.Ordinal is not int ordinal)
            {
                continue;
            }
            var port = portBase + ordinal;
            if (port > IPEndPoint.MaxPort)
            {
                Log.PortOutOfRange(_logger, service.Name, pod.Name, port);
                continue;
            }
            lock (_lock)
            {
                if (!_started || !_opened.TryAdd(port, (service, portBase)))
                {
                    continue;
                }
            }
            _ = OpenAsync(service, ordinal, port);
        }
    }

    private async Task OpenAsync(ServiceRuntime service, int ordinal, int port)
    {
        try
        {
            // Mapped before the socket opens, so the first connection already finds its ordinal.
            _map.AddOrdinalPort(port, service, ordinal);
            await _listeners.Group.AddAsync(new IPEndPoint(IPAddress.Loopback, port), _listeners.UseOf(service.Options), accept: true);
            Log.PortOpened(_logger, service.Name, ordinal, port);
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                if (_opened.TryGetValue(port, out var owner) && ReferenceEquals(owner.Service, service))
                {
                    _opened.Remove(port);
                    _map.RemoveOrdinalPort(port);
                }
            }
            Log.PortFailed(_logger, service.Name, ordinal, port, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Service {Service}: ordinal {Ordinal} listens on 127.0.0.1:{Port}")]
        public static partial void PortOpened(ILogger logger, string service, int ordinal, int port);

        [LoggerMessage(2, LogLevel.Error, "Service {Service}: cannot open 127.0.0.1:{Port} for ordinal {Ordinal}: {Reason}")]
        public static partial void PortFailed(ILogger logger, string service, int ordinal, int port, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Service {Service}: pod {Pod} would need port {Port}, beyond 65535; no ordinal port for it")]
        public static partial void PortOutOfRange(ILogger logger, string service, string pod, int port);
    }
}
