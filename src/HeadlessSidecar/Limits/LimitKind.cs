using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Limits;

/// <summary>The <c>limit</c> label of <c>limit_rejections_total</c>: which limit refused.</summary>
internal static class LimitKind
{
    public const string Connections = "connections";
    public const string RequestHeaders = "request_headers";
    public const string HeadersTimeout = "headers_timeout";
    public const string Streams = "streams";
    public const string StreamIdle = "stream_idle";
    public const string Pending = "pending";

    /// <summary>The admin listener speaks HTTP/1.1 only (Kestrel's cleartext default) and forwards nothing.</summary>
    public static readonly string[] AdminKinds = [Connections, RequestHeaders, HeadersTimeout];

    /// <summary>The limits that can refuse something on a proxy listener of this protocol.</summary>
    public static IEnumerable<string> For(ServiceProtocol protocol, LimitsOptions limits)
    {
        yield return Connections;
        if (protocol != ServiceProtocol.Http)
        {
            yield break;
        }
        yield return RequestHeaders;
        yield return HeadersTimeout;
        yield return Streams;
        if (limits.StreamIdleTimeout is not null)
        {
            yield return StreamIdle;
        }
        yield return Pending;
    }
}
