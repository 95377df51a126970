namespace HeadlessSidecar.Runtime;

/// <summary>Whether the sidecar is stopping or draining, and how many proxied requests and TCP sessions are in flight.</summary>
internal sealed class DrainState
{
    private int _inFlight;
    private volatile bool _stopping;
    private volatile bool _draining;
    private TaskCompletionSource? _idle;
    private readonly Lock _lock = new();

    /// <summary>SIGTERM received: <c>/readyz</c> answers 503; requests are still served normally during <c>DrainDelay</c>.</summary>
    public bool IsStopping => _stopping;

    /// <summary>The listeners stopped accepting: answers end their keep-alive connections.</summary>
    public bool IsDraining => _draining;

    public int InFlight => Volatile.Read(ref _inFlight);

    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    public void RequestEnded()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _draining)
        {
            lock (_lock)
            {
                _idle?.TrySetResult();
            }
        }
    }

    /// <summary>SIGTERM: not ready any more, still serving.</summary>
    public void BeginStopping() => _stopping = true;

    /// <summary>Starts draining; the task completes when nothing is in flight.</summary>
    public Task BeginDrain()
    {
        lock (_lock)
        {
            _stopping = true;
            _draining = true;
            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (InFlight == 0)
            {
                _idle.TrySetResult();
            }
            return _idle.Task;
        }
    }
}
