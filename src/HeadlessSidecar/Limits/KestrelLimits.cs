using HeadlessSidecar.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HeadlessSidecar.Limits;

/// <summary>The <c>Sidecar:Limits</c> that Kestrel enforces itself, on every listener (admin included).</summary>
internal static class KestrelLimits
{
    public static void Apply(KestrelServerLimits kestrel, LimitsOptions limits)
    {
        kestrel.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersBytes;
        kestrel.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
        kestrel.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.KeepAliveTimeout = limits.KeepAliveTimeout;
        kestrel.Http2.MaxStreamsPerConnection = limits.MaxStreamsPerConnection;
        // One HTTP/2 header may use the whole head budget (Kestrel's own cap on a single field is 16 KiB).
        kestrel.Http2.MaxRequestHeaderFieldSize = limits.MaxRequestHeadersBytes;
    }
}
