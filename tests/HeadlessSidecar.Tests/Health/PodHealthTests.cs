using HeadlessSidecar.Health;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Health;

public class PodHealthTests
{
    private static readonly TimeSpan EjectFor = TimeSpan.FromSeconds(10);
    private static readonly HealthSettings Settings = new(5, EjectFor, HealthSettings.DefaultMaxEjection);
    private static readonly Func<bool> Allow = () => true;

    private readonly FakeTimeProvider _time = new();

    private PodHealth Passive() => new(Settings, _time, hasActiveHealth: false);

    private PodHealth Active() => new(Settings, _time, hasActiveHealth: true);

    private static HealthOutcome FailTimes(PodHealth health, int times, string reason = "connect_error")
    {
        var outcome = HealthOutcome.None;
        for (var i = 0; i < times; i++)
        {
            outcome = health.RecordFailure(reason, Allow);
        }
        return outcome;
    }

    private TimeSpan Eject(PodHealth health)
    {
        var start = _time.GetUtcNow();
        Assert.Equal(HealthOutcome.Ejected, FailTimes(health, Settings.ConsecutiveFailures));
        return health.EjectedUntil!.Value - start;
    }

    [Fact]
    public void RecordFailure_OneShortOfThreshold_StaysHealthy()
    {
        var health = Passive();
        Assert.Equal(HealthOutcome.None, FailTimes(health, 4));
        Assert.False(health.IsEjected);
        Assert.Equal(4, health.ConsecutiveFailures);
        Assert.Null(health.EjectReason);
        Assert.Null(health.EjectedUntil);
    }

    [Fact]
    public void RecordFailure_Unresponsive_EjectsAtOnce()
    {
        var health = Passive();
        Assert.Equal(HealthOutcome.Ejected, health.RecordFailure("connect_error", Allow, unresponsive: true));
        Assert.True(health.IsEjected);
        Assert.Equal("connect_error", health.EjectReason);
    }

    [Fact]
    public void RecordFailure_UnresponsiveRefusedByPanicGuard_StaysAtThreshold()
    {
        var health = Passive();
        Assert.Equal(HealthOutcome.EjectionRefusedByPanicGuard, health.RecordFailure("timeout", () => false, unresponsive: true));
        Assert.False(health.IsEjected);
        Assert.Equal(Settings.ConsecutiveFailures, health.ConsecutiveFailures);
    }

    [Fact]
    public void RecordFailure_ThresholdReached_EjectsForEjectFor()
    {
        var health = Passive();
        var now = _time.GetUtcNow();
        FailTimes(health, 4, "timeout");
        Assert.Equal(HealthOutcome.Ejected, health.RecordFailure("status_503", Allow));
        Assert.True(health.IsEjected);
        Assert.Equal(now + EjectFor, health.EjectedUntil);
        Assert.Equal("status_503", health.EjectReason);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Null(health.ReturnedAt);
    }

    [Fact]
    public void RecordSuccess_BetweenFailures_ResetsCount()
    {
        var health = Passive();
        FailTimes(health, 4);
        health.RecordSuccess();
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Equal(HealthOutcome.None, FailTimes(health, 4));
        Assert.False(health.IsEjected);
        Assert.Equal(HealthOutcome.Ejected, FailTimes(health, 1));
    }

    [Fact]
    public void RecordProbe_Passed_ResetsCount()
    {
        var health = Active();
        FailTimes(health, 4);
        Assert.Equal(HealthOutcome.None, health.RecordProbe(passed: true, Allow));
        Assert.Equal(0, health.ConsecutiveFailures);
    }

    [Fact]
    public void RecordProbe_Failed_CountsTowardThresholdAsProbeFailed()
    {
        var health = Active();
        FailTimes(health, 4);
        Assert.Equal(HealthOutcome.Ejected, health.RecordProbe(passed: false, Allow));
        Assert.Equal(PodHealth.ProbeFailedReason, health.EjectReason);
    }

    [Fact]
    public void IsEjected_WithoutActiveHealth_ReturnsAtEjectForWithoutAnyCall()
    {
        var health = Passive();
        var until = _time.GetUtcNow() + EjectFor;
        Eject(health);
        _time.Advance(EjectFor - TimeSpan.FromTicks(1));
        Assert.True(health.IsEjected);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(health.IsEjected);
        Assert.Null(health.EjectedUntil);
        Assert.Null(health.EjectReason);
        Assert.Equal(until, health.ReturnedAt);
    }

    [Fact]
    public void IsEjected_WithActiveHealthAfterEjectFor_AwaitsPassingProbe()
    {
        var health = Active();
        Eject(health);
        _time.Advance(EjectFor + TimeSpan.FromSeconds(3));
        var snapshot = health.Snapshot();
        Assert.True(snapshot.IsEjected);
        Assert.Equal(PodHealth.AwaitingProbeReason, snapshot.EjectReason);
        Assert.Null(snapshot.EjectedUntil);
        Assert.Null(snapshot.ReturnedAt);

        Assert.Equal(HealthOutcome.Returned, health.RecordProbe(passed: true, Allow));
        Assert.False(health.IsEjected);
        Assert.Equal(_time.GetUtcNow(), health.ReturnedAt);
        Assert.Equal(HealthOutcome.None, health.RecordProbe(passed: true, Allow));
    }

    [Fact]
    public void RecordProbe_PassedInsideEjectFor_DoesNotShortenEjection()
    {
        var health = Active();
        Eject(health);
        _time.Advance(EjectFor / 2);
        Assert.Equal(HealthOutcome.None, health.RecordProbe(passed: true, Allow));
        Assert.True(health.IsEjected);
        _time.Advance(EjectFor / 2);
        Assert.True(health.IsEjected);
        Assert.Equal(HealthOutcome.Returned, health.RecordProbe(passed: true, Allow));
    }

    [Fact]
    public void RecordProbe_FailedWhileAwaitingProbe_StaysEjectedWithoutNewEjection()
    {
        var health = Active();
        Eject(health);
        _time.Advance(EjectFor);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HealthOutcome.None, health.RecordProbe(passed: false, Allow));
        }
        Assert.True(health.IsEjected);
        Assert.Equal(PodHealth.AwaitingProbeReason, health.EjectReason);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Equal(HealthOutcome.Returned, health.RecordProbe(passed: true, Allow));
    }

    [Fact]
    public void RecordFailure_WhileEjected_NeitherCountsNorExtends()
    {
        var health = Passive();
        var until = _time.GetUtcNow() + EjectFor;
        Eject(health);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(HealthOutcome.None, FailTimes(health, 50));
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Equal(until, health.EjectedUntil);
        Assert.Equal("connect_error", health.EjectReason);
    }

    [Fact]
    public void RecordSuccess_WhileAwaitingProbe_KeepsEjected()
    {
        var health = Active();
        Eject(health);
        _time.Advance(EjectFor);
        health.RecordSuccess();
        Assert.True(health.IsEjected);
    }

    [Fact]
    public void RecordFailure_ReejectedWithinEjectForOfReturn_DoublesUpToFiveMinutes()
    {
        var health = Passive();
        var seconds = new List<double>();
        for (var i = 0; i < 8; i++)
        {
            var duration = Eject(health);
            seconds.Add(duration.TotalSeconds);
            _time.Advance(duration + EjectFor - TimeSpan.FromTicks(1));
        }
        Assert.Equal([10, 20, 40, 80, 160, 300, 300, 300], seconds);
    }

    [Fact]
    public void RecordFailure_ReejectedWithinEjectForOfProbeReturn_Doubles()
    {
        var health = Active();
        Eject(health);
        _time.Advance(EjectFor + TimeSpan.FromSeconds(4));
        Assert.Equal(HealthOutcome.Returned, health.RecordProbe(passed: true, Allow));
        _time.Advance(EjectFor - TimeSpan.FromTicks(1));
        Assert.Equal(TimeSpan.FromSeconds(20), Eject(health));
    }

    [Fact]
    public void RecordFailure_AfterCleanEjectFor_ResetsToEjectFor()
    {
        var health = Passive();
        Eject(health);
        _time.Advance(EjectFor + TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(20), Eject(health));
        _time.Advance(TimeSpan.FromSeconds(20) + TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(40), Eject(health));
        _time.Advance(TimeSpan.FromSeconds(40) + EjectFor);
        Assert.Equal(EjectFor, Eject(health));
    }

    [Fact]
    public void RecordFailure_EjectForAboveCap_NeverShortensEjection()
    {
        var settings = new HealthSettings(1, TimeSpan.FromMinutes(10), HealthSettings.DefaultMaxEjection);
        var health = new PodHealth(settings, _time, hasActiveHealth: false);
        Assert.Equal(HealthOutcome.Ejected, health.RecordFailure("reset", Allow));
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(HealthOutcome.Ejected, health.RecordFailure("reset", Allow));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(10), health.EjectedUntil);
    }

    [Fact]
    public void RecordFailure_PanicGuardRefuses_StaysInServiceAndAsksAgain()
    {
        var health = Passive();
        var asked = 0;
        FailTimes(health, 4);
        Assert.Equal(HealthOutcome.EjectionRefusedByPanicGuard, health.RecordFailure("reset", () => { asked++; return false; }));
        Assert.Equal(HealthOutcome.EjectionRefusedByPanicGuard, health.RecordFailure("reset", () => { asked++; return false; }));
        Assert.False(health.IsEjected);
        Assert.Equal(2, asked);
        Assert.Equal(Settings.ConsecutiveFailures, health.ConsecutiveFailures);
        Assert.Equal(HealthOutcome.Ejected, health.RecordFailure("reset", Allow));
        Assert.True(health.IsEjected);
    }

    [Fact]
    public void RecordFailure_PanicGuardBelowThreshold_IsNotAsked()
    {
        var health = Passive();
        var asked = false;
        for (var i = 0; i < 4; i++)
        {
            health.RecordFailure("reset", () => asked = true);
        }
        Assert.False(asked);
    }

    [Fact]
    public async Task RecordFailure_ManyThreads_EjectsOnce()
    {
        var health = Passive();
        var ejections = 0;
        var start = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            start.Wait();
            for (var i = 0; i < 2_000; i++)
            {
                if (health.RecordFailure("reset", Allow) == HealthOutcome.Ejected)
                {
                    Interlocked.Increment(ref ejections);
                }
                _ = health.IsEjected;
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(workers);
        Assert.Equal(1, ejections);
        Assert.True(health.IsEjected);
    }

    [Fact]
    public async Task RecordFailure_ManyThreadsAcrossPods_PanicGuardHoldsHalf()
    {
        var pods = Enumerable.Range(0, 5).Select(_ => Passive()).ToArray();
        bool MayEject()
        {
            var may = PanicGuard.MayEjectOneMore<PodHealth>(pods, static p => p);
            Thread.SpinWait(2_000); // widens the gap between counting and ejecting that the guard must close
            return may;
        }
        var start = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            start.Wait();
            for (var i = 0; i < 2_000; i++)
            {
                pods[(w + i) % pods.Length].RecordFailure("reset", MayEject);
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(workers);
        Assert.Equal(2, PanicGuard.CountEjected<PodHealth>(pods, static p => p));
    }

    [Fact]
    public void Constructor_ZeroThreshold_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PodHealth(Settings with { ConsecutiveFailures = 0 }, _time, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PodHealth(Settings with { EjectFor = TimeSpan.Zero }, _time, false));
    }
}
