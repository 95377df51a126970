using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.IntegrationTests.Hosting;

/// <summary>A fake clock that tells when a timer was made, so a test advances time only once the timer exists.</summary>
internal sealed class TimerSignalingTimeProvider : FakeTimeProvider
{
    private readonly TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task TimerCreated => _timerCreated.Task;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timerCreated.TrySetResult();
        return timer;
    }
}
