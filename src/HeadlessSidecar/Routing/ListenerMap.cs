using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Routing;

/// <summary>Maps the local endpoint a request arrived on to what it serves. Ordinal ports are added as pods appear.</summary>
internal sealed class ListenerMap
{
    // Keyed by (address, port) rather than IPEndPoint, so a lookup per request builds no endpoint object.
    private readonly FrozenDictionary<(IPAddress Address, int Port), ListenerBinding> _listeners;
    // The IPv4 listeners again under their IPv4-mapped IPv6 form (a dual-mode socket's local address), found
    // without mapping the request's address back to IPv4.
    private readonly FrozenDictionary<(IPAddress Address, int Port), ListenerBinding> _mappedListeners;
    private readonly FrozenDictionary<int, ListenerBinding> _wildcardListeners;
    private readonly ConcurrentDictionary<int, ListenerBinding> _ordinalPorts = new();

    public ListenerMap(ServiceRuntimeRegistry registry)
    {
        var groups = registry.Services.Values.GroupBy(s => s.Options.Listen).ToList();
        _listeners = groups.ToFrozenDictionary(g => (g.Key.Address, g.Key.Port), g => new ListenerBinding([.. g], null));
        _mappedListeners = _listeners
            .Where(l => l.Key.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            .ToFrozenDictionary(l => (l.Key.Address.MapToIPv6(), l.Key.Port), l => l.Value);
        _wildcardListeners = groups
            .Where(g => g.Key.Address.Equals(IPAddress.Any) || g.Key.Address.Equals(IPAddress.IPv6Any))
            .ToFrozenDictionary(g => g.Key.Port, g => new ListenerBinding([.. g], null));
    }

    public void AddOrdinalPort(int port, ServiceRuntime service, int ordinal) => _ordinalPorts.TryAdd(port, new ListenerBinding([service], ordinal));

    public ListenerBinding? Find(IPAddress? localAddress, int localPort)
    {
        if (localAddress is not null)
        {
            var listeners = localAddress.IsIPv4MappedToIPv6 ? _mappedListeners : _listeners;
            if (listeners.TryGetValue((localAddress, localPort), out var binding))
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
