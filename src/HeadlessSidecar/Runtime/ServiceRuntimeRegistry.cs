using System.Collections.Frozen;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Connections;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Metrics;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Runtime;

/// <summary>
/// The configuration in effect and one <see cref="ServiceRuntime"/> per configured service, as one immutable snapshot:
/// a reload swaps it whole (<see cref="Swap"/>), the way discovery swaps a service's <see cref="PodTable"/>.
/// </summary>
internal sealed class ServiceRuntimeRegistry : IDisposable
{
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PodConnectionPoolFactory? _pools;
    private RuntimeSnapshot _current;

    public ServiceRuntimeRegistry(SidecarOptions options, EndpointRegistry endpoints, ProxyMetrics metrics, TimeProvider time, ILoggerFactory loggerFactory,
        PodConnectionPoolFactory? pools = null)
    {
        _pools = pools;
        _metrics = metrics;
        _time = time;
        _logger = loggerFactory.CreateLogger<ServiceRuntime>();
        _current = new RuntimeSnapshot(options,
            options.Services.ToFrozenDictionary(s => s.Name, s => new ServiceRuntime(s, endpoints[s.Name], metrics, time, _logger, pools), StringComparer.Ordinal));
    }

    public RuntimeSnapshot Current => Volatile.Read(ref _current);

    /// <summary>The configuration in effect.</summary>
    public SidecarOptions Options => Current.Options;

    public FrozenDictionary<string, ServiceRuntime> Services => Current.Services;

    /// <summary>Raised after a swap with the runtimes that arrived and those that left.</summary>
    public event Action<IReadOnlyList<ServiceRuntime>, IReadOnlyList<ServiceRuntime>>? Swapped;

    /// <summary>A runtime for a service a reload adds; it serves once <see cref="Swap"/> published it.</summary>
    public ServiceRuntime Create(ServiceOptions options, ServiceEndpoints endpoints) =>
        new(options, endpoints, _metrics, _time, _logger, _pools) { RequiredForReadiness = false };

    /// <summary>Publishes the next configuration and its runtimes; the caller retires the runtimes that left.</summary>
    public void Swap(SidecarOptions options, FrozenDictionary<string, ServiceRuntime> services)
    {
        var previous = Interlocked.Exchange(ref _current, new RuntimeSnapshot(options, services));
        var added = services.Values.Where(s => !previous.Services.TryGetValue(s.Name, out var old) || !ReferenceEquals(old, s)).ToList();
        var removed = previous.Services.Values.Where(s => !services.TryGetValue(s.Name, out var kept) || !ReferenceEquals(kept, s)).ToList();
        Swapped?.Invoke(added, removed);
    }

    public void Dispose()
    {
        foreach (var service in Services.Values)
        {
            service.Dispose();
        }
    }
}
