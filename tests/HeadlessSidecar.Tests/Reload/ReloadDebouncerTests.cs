using HeadlessSidecar.Reload;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Reload;

public sealed class ReloadDebouncerTests : IDisposable
{
    private static readonly ReloadTimings Timings = new() { Quiet = TimeSpan.FromMilliseconds(500), MaxDelay = TimeSpan.FromSeconds(2) };

    private readonly FakeTimeProvider _time = new();
    private readonly List<ReloadTrigger> _fired = [];
    private readonly ReloadDebouncer _debouncer;

    public ReloadDebouncerTests() => _debouncer = new ReloadDebouncer(_time, Timings, _fired.Add);

    public void Dispose() => _debouncer.Dispose();

    private void Elapse(int milliseconds)
    {
        // Small steps: one Advance fires a timer that a callback rescheduled at most once.
        for (var i = 0; i < milliseconds / 50; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }
    }

    [Fact]
    public void Signal_Once_FiresAfterTheQuietPeriodAndNotBefore()
    {
        _debouncer.Signal(ReloadTrigger.File);

        Elapse(450);
        Assert.Empty(_fired);
        Elapse(50);
        Assert.Equal([ReloadTrigger.File], _fired);
        Assert.Equal(ReloadTrigger.None, _debouncer.Pending);
    }

    [Fact]
    public void Signal_Burst_FiresOnceWithEveryTrigger()
    {
        _debouncer.Signal(ReloadTrigger.File);
        Elapse(300);
        _debouncer.Signal(ReloadTrigger.Signal);
        Elapse(300);
        _debouncer.Signal(ReloadTrigger.Signal);
        Elapse(450);
        Assert.Empty(_fired);

        Elapse(100);
        Assert.Equal([ReloadTrigger.File | ReloadTrigger.Signal], _fired);
        Elapse(3000);
        Assert.Single(_fired);
    }

    [Fact]
    public void Signal_NeverQuiet_FiresAtMaxDelayThenStartsANewBurst()
    {
        // A signal every 200 ms never leaves 500 ms of quiet: the first burst ends 2 s after its first signal, and
        // the signals after it make a second burst, which ends once they stop.
        for (var i = 0; i < 15; i++)
        {
            _debouncer.Signal(ReloadTrigger.File);
            Elapse(200);
            Assert.Equal(i < 9 ? 0 : 1, _fired.Count);
        }

        Elapse(500);
        Assert.Equal(2, _fired.Count);
    }

    [Fact]
    public void Signal_AfterDispose_NeverFires()
    {
        _debouncer.Signal(ReloadTrigger.File);
        _debouncer.Dispose();
        _debouncer.Signal(ReloadTrigger.Signal);

        Elapse(3000);
        Assert.Empty(_fired);
    }
}
