using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Forwarding.Grpc;

/// <summary>What the sidecar reads from a gRPC call: that it is one, and its deadline.</summary>
internal static class GrpcRequest
{
    public const string ContentType = "application/grpc";
    public const string TimeoutHeader = "grpc-timeout";

    /// <summary>A gRPC call: <c>content-type: application/grpc</c>, <c>application/grpc+proto</c>, …</summary>
    public static bool IsGrpc(HttpRequest request) =>
        request.Headers.ContentType is { Count: 1 } values && values[0] is { } type &&
        type.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase) &&
        (type.Length == ContentType.Length || type[ContentType.Length] is '+' or ';');

    /// <summary>
    /// Parses <c>grpc-timeout</c> (gRPC over HTTP/2: 1–8 digits then a unit, <c>H M S m u n</c>). A malformed
    /// value is ignored, as gRPC servers do, and the call keeps the service's own bounds.
    /// </summary>
    public static bool TryParseTimeout(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > 9)
        {
            return false;
        }
        long amount = 0;
        for (var i = 0; i < value.Length - 1; i++)
        {
            var c = value[i];
            if (c is < '0' or > '9')
            {
                return false;
            }
            amount = amount * 10 + (c - '0');
        }
        // At most 99,999,999 hours: clamp to what a timer accepts rather than overflow.
        var ticks = value[^1] switch
        {
            'H' => Multiply(amount, TimeSpan.TicksPerHour),
            'M' => Multiply(amount, TimeSpan.TicksPerMinute),
            'S' => Multiply(amount, TimeSpan.TicksPerSecond),
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * 10,
            'n' => amount / 100,
            _ => -1,
        };
        if (ticks < 0)
        {
            return false;
        }
        timeout = TimeSpan.FromTicks(Math.Min(ticks, MaxTimeout.Ticks));
        return true;
    }

    /// <summary>The longest deadline a timer takes (about 49 days); longer ones are as good as none.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private static long Multiply(long amount, long unit) => amount > long.MaxValue / unit ? long.MaxValue : amount * unit;
}
