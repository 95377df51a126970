namespace HeadlessSidecar.Health.Probes;

/// <summary>Runs a probe's exchange and turns protocol violations and I/O errors into unhealthy results.</summary>
internal static class ProbeExchange
{
    public static async ValueTask<ProbeResult> RunAsync(
        string protocol,
        Func<CancellationToken, ValueTask<ProbeResult>> exchange,
        CancellationToken cancellationToken)
    {
        try
        {
            return await exchange(cancellationToken);
        }
        catch (ProbeProtocolException ex)
        {
            return ProbeResult.Fail($"{protocol}: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
        {
            // A read cancelled by the caller's token may surface as an I/O error on some streams.
            cancellationToken.ThrowIfCancellationRequested();
            return ProbeResult.Fail($"{protocol}: {ex.Message}");
        }
    }

    /// <summary>
    /// Sends a farewell (COM_QUIT, UnbindRequest) after the verdict: a server that already hung up must not
    /// turn a healthy answer into a failure.
    /// </summary>
    public static async ValueTask SendFarewellAsync(Stream connection, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        try
        {
            await connection.WriteAsync(bytes, cancellationToken);
            await connection.FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
