using System.Net;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Limits;

/// <summary>The limiter of each listener: the admin listener's, and one per proxy <c>Listen</c> address.</summary>
internal sealed class ListenerLimiters
{
    private readonly Dictionary<IPEndPoint, ListenerLimiter> _byListen = [];

    public ListenerLimiters(SidecarOptions options, LimitMetrics metrics)
    {
        Admin = new ListenerLimiter(LimitMetrics.AdminListener, options.Limits.MaxAdminConnections, metrics);
        foreach (var first in LimitMetrics.ListenerNames(options))
        {
            _byListen[first.Listen] = new ListenerLimiter(first.Name, options.Limits.MaxConnectionsPerListener, metrics);
        }
    }

    public ListenerLimiter Admin { get; }

    /// <summary>The limiter of the listener at <paramref name="listen"/>, shared with its services' ordinal ports.</summary>
    public ListenerLimiter ForListen(IPEndPoint listen) => _byListen[listen];
}
