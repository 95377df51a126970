namespace HeadlessSidecar.Hosting;

/// <summary>
/// Counts background work (sniffs, closes) started by a group so that stopping can wait for it: a socket's memory
/// pool must outlive every connection that reads from it.
/// </summary>
internal sealed class PendingWork
{
    // Starts at one: the owner's own count, given up by DrainAsync, so the count can only reach zero after that.
    private int _count = 1;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Enter() => Interlocked.Increment(ref _count);

    public void Exit()
    {
        if (Interlocked.Decrement(ref _count) == 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Gives up the owner's count once and waits until every entered piece of work has exited.</summary>
    /// <returns>A task that completes when nothing is pending.</returns>
    public Task DrainAsync()
    {
        Exit();
        return _drained.Task;
    }
}
