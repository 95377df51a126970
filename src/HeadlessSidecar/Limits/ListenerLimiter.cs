namespace HeadlessSidecar.Limits;

/// <summary>
/// One listener's open-connection count against its limit, and where its refusals are counted. A proxy listener's
/// ordinal ports share its limiter: together they are one listener to the app.
/// </summary>
internal sealed class ListenerLimiter(string listener, int maxConnections, LimitMetrics metrics)
{
    private int _open;
    private int _max = maxConnections;

    public string Listener { get; } = listener;

    /// <summary>The limit; a reload's new one applies to the next connection (those open stay).</summary>
    public int MaxConnections
    {
        get => Volatile.Read(ref _max);
        set => Volatile.Write(ref _max, value);
    }

    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Takes a connection slot, or counts a <c>connections</c> refusal and returns null.</summary>
    public ConnectionSlot? TryAcquire()
    {
        if (Interlocked.Increment(ref _open) > MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            Rejected(LimitKind.Connections);
            return null;
        }
        return new ConnectionSlot(this);
    }

    public void Rejected(string limit) => metrics.Rejected(Listener, limit);

    internal void Release() => Interlocked.Decrement(ref _open);
}
