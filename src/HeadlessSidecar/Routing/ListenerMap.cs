using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Routing;

/// <summary>
/// Maps the local endpoint a request arrived on to what it serves. The <c>Listen</c> addresses are one immutable
/// snapshot, rebuilt by a reload; ordinal ports are added as pods appear.
/// </summary>
internal sealed class ListenerMap
{
    private readonly ConcurrentDictionary<int, ListenerBinding> _ordinalPorts = new();
    private Listeners _listeners;

    public ListenerMap(ServiceRuntimeRegistry registry)
    {
        _listeners = Listeners.Build(registry.Services.Values, FrozenDictionary<IPEndPoint, ListenerBinding>.Empty);
    }

    /// <summary>
    /// The <c>Listen</c> addresses of <paramref name="services"/> (a reload's runtimes), and <paramref name="retired"/>:
    /// addresses no longer listened on whose open connections still reach the service they were accepted for, until drained.
    /// </summary>
    public void Rebuild(IEnumerable<ServiceRuntime> services, IReadOnlyDictionary<IPEndPoint, ListenerBinding> retired) =>
        Volatile.Write(ref _listeners, Listeners.Build(services, retired));

    /// <summary>What <paramref name="listen"/> serves now, if anything (for a reload to keep it as retired).</summary>
    public ListenerBinding? FindListen(IPEndPoint listen) => Volatile.Read(ref _listeners).Exact.GetValueOrDefault((listen.Address, listen.Port))?.Binding;

    public void AddOrdinalPort(int port, ServiceRuntime service, int ordinal) => _ordinalPorts[port] = new ListenerBinding([service], ordinal);

    public void RemoveOrdinalPort(int port) => _ordinalPorts.TryRemove(port, out _);

    public ListenerBinding? FindOrdinalPort(int port) => _ordinalPorts.GetValueOrDefault(port);

    public ListenerBinding? Find(IPAddress? localAddress, int localPort)
    {
        var listeners = Volatile.Read(ref _listeners);
        if (localAddress is not null)
        {
            // Nearly every request arrives where the previous one did: one comparison instead of the dictionary's
            // hashing (~1 % of an HTTP/1.1 request's CPU, issue 17). The hint lives in the snapshot, so a reload drops it.
            if (listeners.LastHit is { } last && last.Port == localPort && last.Address.Equals(localAddress))
            {
                return last.Binding;
            }
            var exact = localAddress.IsIPv4MappedToIPv6 ? listeners.Mapped : listeners.Exact;
            if (exact.TryGetValue((localAddress, localPort), out var hit))
            {
                listeners.LastHit = hit;
                return hit.Binding;
            }
        }
        if (_ordinalPorts.TryGetValue(localPort, out var ordinal))
        {
            return ordinal;
        }
        return listeners.Wildcard.GetValueOrDefault(localPort);
    }

    private sealed record Hit(IPAddress Address, int Port, ListenerBinding Binding);

    // Keyed by (address, port) rather than IPEndPoint, so a lookup per request builds no endpoint object. Mapped: the IPv4
    // listeners again under their IPv4-mapped IPv6 form (a dual-mode socket's local address).
    private sealed record Listeners(
        FrozenDictionary<(IPAddress Address, int Port), Hit> Exact,
        FrozenDictionary<(IPAddress Address, int Port), Hit> Mapped,
        FrozenDictionary<int, ListenerBinding> Wildcard)
    {
        /// <summary>The last exact match: one of the dictionaries' own entries, so remembering it allocates nothing.</summary>
        public Hit? LastHit { get; set; }

        public static Listeners Build(IEnumerable<ServiceRuntime> services, IReadOnlyDictionary<IPEndPoint, ListenerBinding> retired)
        {
            var bindings = services.GroupBy(s => s.Options.Listen).ToDictionary(g => g.Key, g => new ListenerBinding([.. g], null));
            foreach (var (listen, binding) in retired)
            {
                bindings.TryAdd(listen, binding);
            }
            var exact = bindings.ToFrozenDictionary(b => (b.Key.Address, b.Key.Port), b => new Hit(b.Key.Address, b.Key.Port, b.Value));
            var mapped = exact
                .Where(l => l.Key.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                .Select(l => new Hit(l.Key.Address.MapToIPv6(), l.Key.Port, l.Value.Binding))
                .ToFrozenDictionary(h => (h.Address, h.Port));
            var wildcard = bindings
                .Where(b => b.Key.Address.Equals(IPAddress.Any) || b.Key.Address.Equals(IPAddress.IPv6Any))
                .ToFrozenDictionary(b => b.Key.Port, b => b.Value);
            return new Listeners(exact, mapped, wildcard);
        }
    }
}
