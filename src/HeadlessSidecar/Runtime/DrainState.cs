namespace HeadlessSidecar.Runtime;

/// <summary>Whether the sidecar is draining (SIGTERM received), and how many proxied requests are in flight.</summary>
internal sealed class DrainState
{
    private int _inFlight;
    private volatile bool _draining;
    private TaskCompletionSource? _idle;
    private readonly Lock _lock = new();

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

    /// <summary>Starts draining; the task completes when no proxied request is in flight.</summary>
    public Task BeginDrain()
    {
        lock (_lock)
        {
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
