namespace HeadlessSidecar.Configuration;

/// <summary>
/// <c>Sidecar:Limits</c> (contract section 11): what one app, or a hostile local process, can make the sidecar hold.
/// Past each limit the sidecar refuses cleanly and counts the refusal in <c>limit_rejections_total</c>.
/// </summary>
public sealed class LimitsOptions
{
    /// <summary>Open connections per proxy listener, its ordinal ports included.</summary>
    public int MaxConnectionsPerListener { get; set; } = 1024;

    public int MaxAdminConnections { get; set; } = 64;

    /// <summary>Request line (HTTP/1.1) or pseudo-headers (HTTP/2) and headers together.</summary>
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;

    public int MaxRequestHeaderCount { get; set; } = 100;

    /// <summary>Time to receive a request head; on the <c>Http</c> listeners the HTTP/2 preface sniff included.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromMinutes(1);

    public int MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>An HTTP/2 stream with no progress either way for this long is reset; null = off.</summary>
    public TimeSpan? StreamIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Requests waiting for a connection to one pod once <c>Pool:MaxConnectionsPerPod</c> are busy.</summary>
    public int MaxPendingPerPod { get; set; } = 1024;
}
