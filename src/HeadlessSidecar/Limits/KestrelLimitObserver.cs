using System.Diagnostics.Metrics;

namespace HeadlessSidecar.Limits;

/// <summary>
/// Counts the limits Kestrel enforces for us (request head size and count, the head timeout) from the end reason
/// Kestrel records on each connection (<c>kestrel.connection.duration</c>'s <c>error.type</c>); the listener comes
/// from the tag <see cref="ListenerConnectionMiddleware"/> put on the connection.
/// </summary>
internal sealed class KestrelLimitObserver : IDisposable
{
    public const string ListenerTag = "headless_sidecar.listener";

    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    private const string ConnectionDuration = "kestrel.connection.duration";

    private readonly MeterListener _listener = new();

    /// <param name="meterFactory">The host's: Kestrel's meter comes from it, and another host's Kestrel in the same
    /// process (tests) is not ours to count.</param>
    public KestrelLimitObserver(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == KestrelMeter && instrument.Name == ConnectionDuration && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(static (_, _, tags, _) => OnConnectionEnded(tags));
        _listener.Start();
    }

    private static void OnConnectionEnded(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        ListenerLimiter? limiter = null;
        string? error = null;
        foreach (var tag in tags)
        {
            if (tag.Key == ListenerTag)
            {
                limiter = tag.Value as ListenerLimiter;
            }
            else if (tag.Key == "error.type")
            {
                error = tag.Value as string;
            }
        }
        if (limiter is null || error is null)
        {
            return;
        }
        var limit = error switch
        {
            "max_request_headers_total_size_exceeded" or "max_request_header_count_exceeded" => LimitKind.RequestHeaders,
            "request_headers_timeout" => LimitKind.HeadersTimeout,
            _ => null,
        };
        if (limit is not null)
        {
            limiter.Rejected(limit);
        }
    }

    public void Dispose() => _listener.Dispose();
}
