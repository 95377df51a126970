namespace HeadlessSidecar.Limits;

/// <summary>
/// The last time one HTTP/2 stream moved either way (request body read from the app, response bytes flushed to it),
/// and the timer that resets the stream once nothing moved for <c>Limits:StreamIdleTimeout</c>. Progress costs a
/// timestamp; the timer re-arms itself for the time left instead of being reset on every write.
/// </summary>
internal sealed class StreamProgress : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly Action _onIdle;
    private readonly ITimer _timer;
    private long _last;
    private int _fired;

    public StreamProgress(TimeProvider time, TimeSpan timeout, Action onIdle)
    {
        _time = time;
        _timeout = timeout;
        _onIdle = onIdle;
        _last = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((StreamProgress)state!).Check(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    public bool Fired => Volatile.Read(ref _fired) == 1;

    public void Moved() => Volatile.Write(ref _last, _time.GetTimestamp());

    private void Check()
    {
        var idle = _time.GetElapsedTime(Volatile.Read(ref _last));
        if (idle < _timeout)
        {
            _timer.Change(_timeout - idle, Timeout.InfiniteTimeSpan);
            return;
        }
        if (Interlocked.Exchange(ref _fired, 1) == 0)
        {
            _onIdle();
        }
    }

    public void Dispose() => _timer.Dispose();
}
