using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Limits;

/// <summary>
/// First in each listener's Kestrel connection pipeline: holds the connection's slot under the listener's limit
/// until Kestrel is done with it, tags it for <see cref="KestrelLimitObserver"/>, lists proxy connections for
/// the drain, and puts an <see cref="Http2FrameGuard"/> in front of an HTTP/2 endpoint's input. A connection over
/// the limit is closed at once (the proxy listeners refuse it earlier, at accept).
/// </summary>
internal sealed partial class ListenerConnectionMiddleware(
    ConnectionDelegate next, ListenerLimiter endpointLimiter, AppConnections? connections, bool http2, TimeProvider time, ILogger logger)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var slot = connection.Features.Get<ConnectionSlot>() ?? endpointLimiter.TryAcquire();
        if (slot is null)
        {
            Log.OverConnectionLimit(logger, endpointLimiter.Listener, endpointLimiter.MaxConnections);
            return;
        }
        // A proxy socket's own listener (the mixed group serves every proxy listener through these same endpoints).
        var limiter = slot.Limiter;
        connection.Features.Get<IConnectionMetricsTagsFeature>()?.Tags.Add(new(KestrelLimitObserver.ListenerTag, limiter));
        connections?.Add(connection, limiter);
        var transport = connection.Transport;
        if (http2)
        {
            var guard = new Http2FrameGuard(transport.Input, time, reason =>
            {
                Log.Http2Flood(logger, limiter.Listener, connection.ConnectionId, reason);
                connection.Abort(new ConnectionAbortedException(reason));
            });
            connection.Transport = new GuardedTransport(guard, transport.Output);
        }
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = transport;
            connections?.Remove(connection);
            slot.Release();
        }
    }

    private sealed class GuardedTransport(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Listener {Listener}: a new connection was closed at once: Limits allows {Limit} open connections.", EventName = "OverConnectionLimit")]
        public static partial void OverConnectionLimit(ILogger logger, string listener, int limit);

        [LoggerMessage(2, LogLevel.Warning, "Listener {Listener}: closing HTTP/2 connection {ConnectionId}: {Reason}.", EventName = "Http2Flood")]
        public static partial void Http2Flood(ILogger logger, string listener, string connectionId, string reason);
    }
}
