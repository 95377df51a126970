using HeadlessSidecar.LoadBalancing;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.LoadBalancing;

public class PodLatencyTests
{
    private readonly FakeTimeProvider _time = new();

    private static double Ms(TimeSpan t) => t.TotalMilliseconds;

    /// <summary>An attempt that takes <paramref name="latency"/> from start to answer.</summary>
    private void Answer(PodLatency latency, TimeSpan took)
    {
        var started = latency.Now();
        _time.Advance(took);
        latency.Observe(started);
    }

    [Fact]
    public void Cost_NoSample_ZeroWhenIdleAndHighestWhenBusy()
    {
        var latency = new PodLatency(_time);
        Assert.False(latency.HasSample);
        Assert.Equal(0, latency.Cost(0));
        var sampled = new PodLatency(_time);
        Answer(sampled, TimeSpan.FromSeconds(30));
        // Busy before its first answer: worse than any sampled pod, so it gets one request at a time.
        Assert.True(latency.Cost(1) > sampled.Cost(100));
    }

    [Fact]
    public void Observe_HigherSample_ReplacesEstimateAtOnce()
    {
        var latency = new PodLatency(_time);
        Answer(latency, TimeSpan.FromMilliseconds(5));
        Answer(latency, TimeSpan.FromMilliseconds(50));
        Assert.Equal(50, Ms(latency.Estimate), 3);
    }

    [Fact]
    public void Observe_LowerSample_PullsAtLeastATenthOfTheWay()
    {
        var latency = new PodLatency(_time);
        Answer(latency, TimeSpan.FromMilliseconds(50));
        // 5 ms later: time alone would keep 99.95 % of the old estimate; the minimum pull takes a tenth of the gap.
        Answer(latency, TimeSpan.FromMilliseconds(5));
        Assert.Equal(50 * Math.Exp(-0.0005) * 0.9 + 0.5, Ms(latency.Estimate), 1);
        // A one-off hiccup of a busy pod is forgotten within a few dozen answers, not in seconds.
        for (var i = 0; i < 30; i++)
        {
            Answer(latency, TimeSpan.FromMilliseconds(5));
        }
        Assert.InRange(Ms(latency.Estimate), 5, 7);
    }

    [Fact]
    public void Estimate_Idle_DecaysTowardsZeroWithTimeConstant()
    {
        var latency = new PodLatency(_time);
        Answer(latency, TimeSpan.FromMilliseconds(50));
        _time.Advance(PodLatency.DecayTime);
        Assert.Equal(50 / Math.E, Ms(latency.Estimate), 1);
        // Ten times slower than its peers: cheaper than them again after DecayTime × ln 10.
        _time.Advance(PodLatency.DecayTime * (Math.Log(10) - 1) + TimeSpan.FromMilliseconds(100));
        Assert.True(Ms(latency.Estimate) < 5, $"{latency.Estimate}");
    }

    [Fact]
    public void Observe_AfterLongSilence_NewSampleDominates()
    {
        var latency = new PodLatency(_time);
        Answer(latency, TimeSpan.FromMilliseconds(50));
        _time.Advance(TimeSpan.FromSeconds(25));
        Answer(latency, TimeSpan.FromMilliseconds(5));
        Assert.InRange(Ms(latency.Estimate), 5, 9);
    }

    [Fact]
    public void ObserveFailure_FastFailure_ChargedThePenalty()
    {
        var latency = new PodLatency(_time);
        Answer(latency, TimeSpan.FromMilliseconds(5));
        var started = latency.Now();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        latency.ObserveFailure(started);
        Assert.Equal(Ms(PodLatency.FailurePenalty), Ms(latency.Estimate), 1);
    }

    [Fact]
    public void ObserveFailure_SlowFailure_ChargedItsDuration()
    {
        var latency = new PodLatency(_time);
        var started = latency.Now();
        _time.Advance(TimeSpan.FromSeconds(1));
        latency.ObserveFailure(started);
        Assert.Equal(1000, Ms(latency.Estimate), 1);
    }

    [Fact]
    public void AnsweredSince_OnlyAnswersCount()
    {
        var latency = new PodLatency(_time);
        var started = latency.Now();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        latency.ObserveFailure(started);
        Assert.False(latency.AnsweredSince(started));
        Answer(latency, TimeSpan.FromMilliseconds(1));
        Assert.True(latency.AnsweredSince(started));
    }

    [Fact]
    public void Cost_Pending_MultipliesEstimate()
    {
        var latency = new PodLatency(_time);
        Answer(latency, TimeSpan.FromMilliseconds(10));
        Assert.Equal(latency.Cost(0) * 4, latency.Cost(3), 6);
    }

    [Fact]
    public void Cost_IdleLongerThanRevisitAfter_ZeroForOnePickThenRankedAgain()
    {
        var latency = new PodLatency(_time);
        var started = latency.Now();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        latency.ObserveFailure(started);
        _time.Advance(PodLatency.RevisitAfter - TimeSpan.FromMilliseconds(1));
        Assert.True(latency.Cost(0) > 0);
        Assert.True(latency.Estimate > TimeSpan.FromMilliseconds(200));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, latency.Cost(0));
        // Only while idle: a request already open there means it is being sampled now.
        Assert.True(latency.Cost(1) > 0);

        // The revisit's answer (fast now) ranks it by what it does now.
        Answer(latency, TimeSpan.FromMilliseconds(1));
        Assert.True(latency.Cost(0) > 0);
        Assert.True(latency.Estimate < TimeSpan.FromMilliseconds(30), $"estimate {latency.Estimate}");
    }

    [Fact]
    public void Reset_AfterPenalty_UnsampledAgain()
    {
        var latency = new PodLatency(_time);
        var started = latency.Now();
        _time.Advance(TimeSpan.FromSeconds(1));
        latency.ObserveFailure(started);
        latency.Reset();
        Assert.False(latency.HasSample);
        Assert.Equal(0, latency.Cost(0));
    }
}
