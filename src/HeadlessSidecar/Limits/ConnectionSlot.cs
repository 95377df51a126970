namespace HeadlessSidecar.Limits;

/// <summary>
/// A connection's place under its listener's limit, carried as a connection feature from the accept loop to the
/// end of Kestrel's connection pipeline. Released once, by whichever closes the connection.
/// </summary>
internal sealed class ConnectionSlot(ListenerLimiter limiter)
{
    private int _released;

    public ListenerLimiter Limiter { get; } = limiter;

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            Limiter.Release();
        }
    }
}
