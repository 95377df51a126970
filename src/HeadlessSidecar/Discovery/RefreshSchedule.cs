namespace HeadlessSidecar.Discovery;

/// <summary>
/// When to resolve again. After an answer: its TTL clamped to [MinRefresh, MaxRefresh]; after errors: an exponential
/// backoff from MinRefresh, doubling per failure in a row, capped at MaxRefresh. Each delay is shortened by a random
/// 0–10 % (never lengthened, so a refresh never comes after the TTL) so that sidecars started together drift apart,
/// and is never below <see cref="Floor"/>, so a 0-TTL answer or a MinRefresh of 0 cannot spin.
/// </summary>
internal sealed class RefreshSchedule
{
    public static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(250);
    public const double MaxJitter = 0.1;

    private readonly Func<double> _nextDouble;

    /// <param name="minRefresh"><c>Dns:MinRefresh</c>.</param>
    /// <param name="maxRefresh"><c>Dns:MaxRefresh</c>.</param>
    /// <param name="nextDouble">A uniform random source in [0, 1); <see cref="Random.Shared"/> when null.</param>
    public RefreshSchedule(TimeSpan minRefresh, TimeSpan maxRefresh, Func<double>? nextDouble = null)
    {
        MinRefresh = minRefresh < TimeSpan.Zero ? TimeSpan.Zero : minRefresh;
        MaxRefresh = maxRefresh < MinRefresh ? MinRefresh : maxRefresh;
        _nextDouble = nextDouble ?? Random.Shared.NextDouble;
    }

    public TimeSpan MinRefresh { get; }
    public TimeSpan MaxRefresh { get; }

    /// <summary>The shortest time between two resolutions that were asked for early (<see cref="ServiceWatcher.RequestRefresh"/>).</summary>
    public TimeSpan MinInterval => Max(MinRefresh, Floor);

    public TimeSpan AfterAnswer(TimeSpan ttl) => Jittered(Clamp(ttl));

    /// <param name="consecutiveFailures">1 for the first failure in a row.</param>
    public TimeSpan AfterError(int consecutiveFailures)
    {
        var delay = MinInterval;
        for (var i = 1; i < consecutiveFailures && delay < MaxRefresh; i++)
        {
            delay = delay > MaxRefresh - delay ? MaxRefresh : delay + delay;
        }
        return Jittered(Clamp(delay));
    }

    private TimeSpan Clamp(TimeSpan value) => value < MinRefresh ? MinRefresh : value > MaxRefresh ? MaxRefresh : value;

    private TimeSpan Jittered(TimeSpan delay)
    {
        var ticks = delay.Ticks * (1 - (MaxJitter * Math.Clamp(_nextDouble(), 0, 1)));
        return Max(Floor, ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a >= b ? a : b;
}
