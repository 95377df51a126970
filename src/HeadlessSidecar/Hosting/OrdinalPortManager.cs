using System.Net;
using HeadlessSidecar.Routing;
using HeadlessSidecar.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// Opens <c>127.0.0.1:&lt;OrdinalPortBase + n&gt;</c> when pod n first appears and keeps it open afterwards: while
/// the pod is gone, requests there get 503 <c>pod_unavailable</c> (a <c>Tcp</c> service's connections are accepted and
/// closed at once) rather than a refused connection. A <c>Tcp</c> service's ports belong to a raw group.
/// </summary>
internal sealed partial class OrdinalPortManager : IHostedService
{
    private readonly ServiceRuntimeRegistry _registry;
    private readonly OrdinalPortListeners _listeners;
    private readonly ListenerMap _map;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly HashSet<int> _opened = [];

    public OrdinalPortManager(ServiceRuntimeRegistry registry, OrdinalPortListeners listeners, ListenerMap map, ILogger<OrdinalPortManager> logger)
    {
        _registry = registry;
        _listeners = listeners;
        _map = map;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var service in _registry.Services.Values)
        {
            if (_listeners.Groups.ContainsKey(service.Name))
            {
                service.PodsAdded += OnPodsAdded;
                OnPodsAdded(service, service.Table.Pods);
            }
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var service in _registry.Services.Values)
        {
            service.PodsAdded -= OnPodsAdded;
        }
        return Task.CompletedTask;
    }

    private void OnPodsAdded(ServiceRuntime service, IReadOnlyList<PodState> pods)
    {
        var group = _listeners.Groups[service.Name];
        var portBase = service.Options.OrdinalPortBase!.Value;
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
                if (!_opened.Add(port))
                {
                    continue;
                }
            }
            _ = OpenAsync(group, service, ordinal, port);
        }
    }

    private async Task OpenAsync(ListenerGroup group, ServiceRuntime service, int ordinal, int port)
    {
        try
        {
            // Mapped before the socket opens, so the first connection already finds its ordinal.
            _map.AddOrdinalPort(port, service, ordinal);
            await group.AddAsync(new IPEndPoint(IPAddress.Loopback, port));
            Log.PortOpened(_logger, service.Name, ordinal, port);
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                _opened.Remove(port);
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
