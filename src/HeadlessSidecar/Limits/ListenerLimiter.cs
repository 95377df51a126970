namespace HeadlessSidecar.Limits;

/// <summary>
/// One listener's open-connection count against its limit, and where its refusals are counted. A proxy listener's
/// ordinal ports share its limiter: together they are one listener to the app.
/// </summary>
internal sealed class ListenerLimiter(string listener, int maxConnections, LimitMetrics metrics)
{
    private int _open;

    public string Listener { get; } = listener;

    public int MaxConnections { get; } = maxConnections;

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
