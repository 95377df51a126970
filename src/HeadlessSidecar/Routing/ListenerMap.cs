using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Routing;

/// <summary>Maps the local endpoint a request arrived on to what it serves. Ordinal ports are added as pods appear.</summary>
internal sealed class ListenerMap
{
    private readonly FrozenDictionary<IPEndPoint, ListenerBinding> _listeners;
    private readonly FrozenDictionary<int, ListenerBinding> _wildcardListeners;
    private readonly ConcurrentDictionary<int, ListenerBinding> _ordinalPorts = new();

    public ListenerMap(ServiceRuntimeRegistry registry)
    {
        var groups = registry.Services.Values.GroupBy(s => s.Options.Listen).ToList();
        _listeners = groups.ToFrozenDictionary(g => g.Key, g => new ListenerBinding([.. g], null));
        _wildcardListeners = groups
            .Where(g => g.Key.Address.Equals(IPAddress.Any) || g.Key.Address.Equals(IPAddress.IPv6Any))
            .ToFrozenDictionary(g => g.Key.Port, g => new ListenerBinding([.. g], null));
    }

    public void AddOrdinalPort(int port, ServiceRuntime service, int ordinal) => _ordinalPorts.TryAdd(port, new ListenerBinding([service], ordinal));

    public ListenerBinding? Find(IPAddress? localAddress, int localPort)
    {
        if (localAddress is not null)
        {
            if (localAddress.IsIPv4MappedToIPv6)
            {
                localAddress = localAddress.MapToIPv4();
            }
            if (_listeners.TryGetValue(new IPEndPoint(localAddress, localPort), out var binding))
            {
                return binding;
            }
        }
        if (_ordinalPorts.TryGetValue(localPort, out var ordinal))
        {
            return ordinal;
        }
        return _wildcardListeners.GetValueOrDefault(localPort);
    }
}
