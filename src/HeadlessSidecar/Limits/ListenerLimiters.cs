using System.Collections.Concurrent;
using System.Net;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Limits;

/// <summary>The limiter of each listener: the admin listener's, and one per proxy <c>Listen</c> address.</summary>
internal sealed class ListenerLimiters
{
    private readonly ConcurrentDictionary<IPEndPoint, ListenerLimiter> _byListen = new();
    private readonly LimitMetrics _metrics;
    private readonly Lock _lock = new();

    public ListenerLimiters(SidecarOptions options, LimitMetrics metrics)
    {
        _metrics = metrics;
        Admin = new ListenerLimiter(LimitMetrics.AdminListener, options.Limits.MaxAdminConnections, metrics);
        foreach (var first in LimitMetrics.ListenerNames(options))
        {
            _byListen[first.Listen] = new ListenerLimiter(first.Name, options.Limits.MaxConnectionsPerListener, metrics);
        }
    }

    public ListenerLimiter Admin { get; }

    /// <summary>The limiter of the listener at <paramref name="listen"/>, shared with its services' ordinal ports.</summary>
    public ListenerLimiter ForListen(IPEndPoint listen) => _byListen[listen];

    /// <summary>
    /// The limiters a reload's configuration needs: a listener keeps its limiter (and its count of open connections)
    /// while the service it is named after stays first on it; a new listener, or a renamed one, gets a new limiter
    /// with its series exported at 0. Every limit is set to the new <c>Limits</c>.
    /// </summary>
    public void Apply(SidecarOptions options)
    {
        lock (_lock)
        {
            Admin.MaxConnections = options.Limits.MaxAdminConnections;
            foreach (var first in LimitMetrics.ListenerNames(options))
            {
                if (_byListen.TryGetValue(first.Listen, out var existing) && existing.Listener == first.Name)
                {
                    existing.MaxConnections = options.Limits.MaxConnectionsPerListener;
                    continue;
                }
                _metrics.ListenerKnown(first.Name, first.Protocol, options.Limits);
                _byListen[first.Listen] = new ListenerLimiter(first.Name, options.Limits.MaxConnectionsPerListener, _metrics);
            }
            foreach (var limiter in _byListen.Values)
            {
                limiter.MaxConnections = options.Limits.MaxConnectionsPerListener;
            }
        }
    }
}
