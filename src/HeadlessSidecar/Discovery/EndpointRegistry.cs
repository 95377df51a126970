using System.Collections.Frozen;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Discovery;

/// <summary>One <see cref="ServiceEndpoints"/> per configured service; a reload adds and removes entries.</summary>
public sealed class EndpointRegistry
{
    private readonly Lock _lock = new();
    private FrozenDictionary<string, ServiceEndpoints> _services;

    public EndpointRegistry(SidecarOptions options)
    {
        _services = options.Services.ToFrozenDictionary(s => s.Name, s => new ServiceEndpoints(s.Name, s.Host), StringComparer.Ordinal);
    }

    public ServiceEndpoints this[string service] => Volatile.Read(ref _services)[service];

    public IEnumerable<ServiceEndpoints> All => Volatile.Read(ref _services).Values;

    public bool AllReady => Volatile.Read(ref _services).Values.All(s => s.Current.Ready);

    /// <summary>The feed of a service a reload adds: a new one, with no pods until its watcher's first answer.</summary>
    internal ServiceEndpoints Add(ServiceOptions service)
    {
        lock (_lock)
        {
            var endpoints = new ServiceEndpoints(service.Name, service.Host);
            _services = _services.Append(new(service.Name, endpoints)).GroupBy(e => e.Key, StringComparer.Ordinal)
                .ToFrozenDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
            return endpoints;
        }
    }

    /// <summary>Drops a removed service's feed, unless it was replaced meanwhile.</summary>
    internal void Remove(ServiceEndpoints endpoints)
    {
        lock (_lock)
        {
            if (_services.TryGetValue(endpoints.Service, out var current) && ReferenceEquals(current, endpoints))
            {
                _services = _services.Where(e => e.Key != endpoints.Service).ToFrozenDictionary(StringComparer.Ordinal);
            }
        }
    }
}
