namespace HeadlessSidecar.Runtime;

/// <summary>
/// The latest failovers of one service, newest first, for /debug/peers and /status: a person looking at a pod
/// that misbehaves wants "what moved where, and why" without a Prometheus at hand. Bounded, so a failover storm
/// costs a fixed amount of memory; readers get an array that is never written again and never lock.
/// </summary>
internal sealed class FailoverHistory
{
    public const int DefaultCapacity = 20;

    private readonly int _capacity;
    private readonly Lock _lock = new();
    private FailoverRecord[] _recent = [];
    private long _total;

    public FailoverHistory(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Up to the capacity's latest failovers, newest first.</summary>
    public IReadOnlyList<FailoverRecord> Recent => Volatile.Read(ref _recent);

    /// <summary>Every failover recorded since start, including those the buffer no longer holds.</summary>
    public long Total => Interlocked.Read(ref _total);

    public void Add(FailoverRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            // Failovers are rare next to requests: copying at most the capacity's entries under a lock is simpler
            // than a lock-free ring whose readers could see a half-written window.
            var current = _recent;
            var next = new FailoverRecord[Math.Min(current.Length + 1, _capacity)];
            next[0] = record;
            Array.Copy(current, 0, next, 1, next.Length - 1);
            Volatile.Write(ref _recent, next);
            Interlocked.Increment(ref _total);
        }
    }
}
