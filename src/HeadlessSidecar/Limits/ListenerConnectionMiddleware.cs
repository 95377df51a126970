using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace HeadlessSidecar.Limits;

/// <summary>
/// First in each listener's Kestrel connection pipeline: holds the connection's slot under the listener's limit
/// until Kestrel is done with it, tags it for <see cref="KestrelLimitObserver"/>, and lists proxy connections for
/// the drain. A connection over the limit is closed at once (the proxy listeners refuse it earlier, at accept).
/// </summary>
internal sealed class ListenerConnectionMiddleware(ConnectionDelegate next, ListenerLimiter limiter, AppConnections? connections)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var slot = connection.Features.Get<ConnectionSlot>() ?? limiter.TryAcquire();
        if (slot is null)
        {
            return;
        }
        connection.Features.Get<IConnectionMetricsTagsFeature>()?.Tags.Add(new(KestrelLimitObserver.ListenerTag, limiter));
        connections?.Add(connection, limiter);
        try
        {
            await next(connection);
        }
        finally
        {
            connections?.Remove(connection);
            slot.Release();
        }
    }
}
