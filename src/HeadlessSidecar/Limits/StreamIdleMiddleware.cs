using HeadlessSidecar.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Limits;

/// <summary>
/// <c>Limits:StreamIdleTimeout</c>: an HTTP/2 stream from the app on which nothing moved either way for that long
/// (a peer that stopped reading and keeps its window closed included) is reset with <c>RST_STREAM</c>; aborting it
/// cancels <c>RequestAborted</c>, which releases the upstream attempt and its pod connection.
/// </summary>
internal sealed partial class StreamIdleMiddleware(ServiceRuntimeRegistry registry, TimeProvider time, AppConnections connections, ILogger<StreamIdleMiddleware> logger)
{
    // Read per stream: a reload's new limit applies to the next one.
    public Task InvokeAsync(HttpContext context, RequestDelegate next) =>
        registry.Options.Limits.StreamIdleTimeout is { } timeout && HttpProtocol.IsHttp2(context.Request.Protocol) ? WatchAsync(context, next, timeout) : next(context);

    private async Task WatchAsync(HttpContext context, RequestDelegate next, TimeSpan timeout)
    {
        using var progress = new StreamProgress(time, timeout, () => OnIdle(context, timeout));
        var request = context.Request;
        var originalBody = request.Body;
        var originalResponse = context.Features.Get<IHttpResponseBodyFeature>()!;
        request.Body = new ProgressStream(originalBody, progress);
        context.Features.Set<IHttpResponseBodyFeature>(new ProgressResponseBodyFeature(originalResponse, progress));
        try
        {
            await next(context);
        }
        finally
        {
            request.Body = originalBody;
            context.Features.Set(originalResponse);
        }
    }

    private void OnIdle(HttpContext context, TimeSpan timeout)
    {
        var listener = connections.ListenerOf(context.Connection.Id);
        listener?.Rejected(LimitKind.StreamIdle);
        Log.StreamIdle(logger, listener?.Listener ?? "unknown", timeout);
        context.Abort();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Listener {Listener}: an HTTP/2 stream made no progress for Limits:StreamIdleTimeout ({Timeout}); resetting it",
            EventName = "StreamIdle")]
        public static partial void StreamIdle(ILogger logger, string listener, TimeSpan timeout);
    }
}
