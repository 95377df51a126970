namespace HeadlessSidecar.Reload;

/// <summary>
/// Turns a burst of triggers into one reload: <c>ready</c> is called with every trigger of the burst once none came
/// for <see cref="ReloadTimings.Quiet"/>, or <see cref="ReloadTimings.MaxDelay"/> after the burst's first one.
/// The timer is the injected <see cref="TimeProvider"/>'s, so tests drive it.
/// </summary>
internal sealed class ReloadDebouncer : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ReloadTimings _timings;
    private readonly Action<ReloadTrigger> _ready;
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private ReloadTrigger _pending;
    private long _first;
    private long _last;
    private bool _disposed;

    public ReloadDebouncer(TimeProvider time, ReloadTimings timings, Action<ReloadTrigger> ready)
    {
        _time = time;
        _timings = timings;
        _ready = ready;
        _timer = time.CreateTimer(static state => ((ReloadDebouncer)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Triggers waiting for their burst to end; <see cref="ReloadTrigger.None"/> when there are none.</summary>
    public ReloadTrigger Pending
    {
        get
        {
            lock (_lock)
            {
                return _pending;
            }
        }
    }

    public void Signal(ReloadTrigger trigger)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            var now = _time.GetTimestamp();
            if (_pending == ReloadTrigger.None)
            {
                _first = now;
            }
            _last = now;
            _pending |= trigger;
            _timer.Change(Max(Due(now), TimeSpan.Zero), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        ReloadTrigger triggers;
        lock (_lock)
        {
            if (_disposed || _pending == ReloadTrigger.None)
            {
                return;
            }
            var due = Due(_time.GetTimestamp());
            if (due > TimeSpan.Zero)
            {
                // A trigger arrived as the timer fired, or the timer ran a little ahead of the timestamp clock.
                _timer.Change(due, Timeout.InfiniteTimeSpan);
                return;
            }
            triggers = _pending;
            _pending = ReloadTrigger.None;
        }
        _ready(triggers);
    }

    /// <summary>How long until the pending burst ends: quiet since its last trigger, or its maximum delay reached.</summary>
    private TimeSpan Due(long now)
    {
        var untilQuiet = _timings.Quiet - _time.GetElapsedTime(_last, now);
        var untilMax = _timings.MaxDelay - _time.GetElapsedTime(_first, now);
        return untilQuiet < untilMax ? untilQuiet : untilMax;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }
}
