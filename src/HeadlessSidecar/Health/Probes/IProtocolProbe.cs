namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// A protocol's own health exchange over a connection the caller opened; the caller bounds the time
/// (<c>ProbeTimeout</c>) through <paramref name="cancellationToken"/> and disposes the connection.
/// </summary>
internal interface IProtocolProbe
{
    /// <summary>
    /// Probes the server at the other end of <paramref name="connection"/>. Malformed, hostile or truncated
    /// answers and I/O errors give an unhealthy result with a reason; only cancellation throws.
    /// </summary>
    ValueTask<ProbeResult> ProbeAsync(Stream connection, ProbeCredentials? credentials, CancellationToken cancellationToken);
}
