using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace HeadlessSidecar.Limits;

/// <summary>
/// The app's open connections on the proxy listeners, while Kestrel serves them: the drain asks each to close
/// (HTTP/2 <c>GOAWAY</c>, HTTP/1.1 no more keep-alive), and Kestrel's per-connection events find their listener here.
/// Raw TCP sessions, served outside Kestrel, are listed apart with the listening address they arrived on: a TCP
/// stream has no graceful close to ask for, so the drain waits for them and then aborts them.
/// </summary>
internal sealed class AppConnections
{
    private readonly ConcurrentDictionary<string, Entry> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IAbortableConnection, IPEndPoint> _raw = new(ReferenceEqualityComparer.Instance);

    public int Count => _open.Count + _raw.Count;

    /// <param name="connection">A session served outside Kestrel.</param>
    /// <param name="listen">The listening socket's address it arrived on.</param>
    public void Add(IAbortableConnection connection, IPEndPoint listen) => _raw[connection] = listen;

    public void Remove(IAbortableConnection connection) => _raw.TryRemove(connection, out _);

    public void Add(ConnectionContext connection, ListenerLimiter limiter) =>
        _open[connection.ConnectionId] = new Entry(connection, limiter);

    public void Remove(ConnectionContext connection) => _open.TryRemove(connection.ConnectionId, out _);

    public ListenerLimiter? ListenerOf(string connectionId) => _open.TryGetValue(connectionId, out var entry) ? entry.Limiter : null;

    /// <summary>Asks every connection to close gracefully: Kestrel sends HTTP/2 clients <c>GOAWAY</c> and ends
    /// idle HTTP/1.1 keep-alive connections; busy ones close after their current request or streams.</summary>
    public void RequestCloseAll()
    {
        foreach (var entry in _open.Values)
        {
            entry.Connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        }
    }

    /// <summary>
    /// Asks the connections accepted on <paramref name="endPoints"/> (listeners a reload removed) to close gracefully,
    /// as <see cref="RequestCloseAll"/> does for every connection.
    /// </summary>
    public void RequestClose(IReadOnlySet<IPEndPoint> endPoints)
    {
        foreach (var entry in _open.Values)
        {
            if (IsOn(entry.Connection, endPoints))
            {
                entry.Connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
            }
        }
    }

    /// <summary>How many connections accepted on <paramref name="endPoints"/> are still open.</summary>
    public int CountOn(IReadOnlySet<IPEndPoint> endPoints) =>
        _open.Values.Count(e => IsOn(e.Connection, endPoints)) + _raw.Count(r => IsOn(r.Value, endPoints));

    /// <summary>Closes the connections accepted on <paramref name="endPoints"/> that outlived their drain.</summary>
    public void Abort(IReadOnlySet<IPEndPoint> endPoints, string reason)
    {
        foreach (var entry in _open.Values)
        {
            if (IsOn(entry.Connection, endPoints))
            {
                entry.Connection.Abort(new ConnectionAbortedException(reason));
            }
        }
        foreach (var (connection, listen) in _raw)
        {
            if (IsOn(listen, endPoints))
            {
                connection.Abort();
            }
        }
    }

    private static bool IsOn(ConnectionContext connection, IReadOnlySet<IPEndPoint> endPoints) =>
        connection.LocalEndPoint is IPEndPoint local && IsOn(local, endPoints);

    private static bool IsOn(IPEndPoint local, IReadOnlySet<IPEndPoint> endPoints)
    {
        var address = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
        return endPoints.Contains(new IPEndPoint(address, local.Port))
            || endPoints.Contains(new IPEndPoint(IPAddress.Any, local.Port)) || endPoints.Contains(new IPEndPoint(IPAddress.IPv6Any, local.Port));
    }

    /// <summary>Closes what is left once nothing is in flight, so stopping the server waits for no idle client.</summary>
    public void AbortAll()
    {
        foreach (var entry in _open.Values)
        {
            entry.Connection.Abort(new ConnectionAbortedException("The sidecar drained and is shutting down."));
        }
        foreach (var connection in _raw.Keys)
        {
            connection.Abort();
        }
    }

    private readonly record struct Entry(ConnectionContext Connection, ListenerLimiter Limiter);
}
