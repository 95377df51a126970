using HeadlessSidecar.Health;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Health;

public class PanicGuardTests
{
    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(0, 1, false)]
    [InlineData(0, 2, true)]
    [InlineData(1, 2, false)]
    [InlineData(0, 3, true)]
    [InlineData(1, 3, false)]
    [InlineData(1, 4, true)]
    [InlineData(2, 4, false)]
    [InlineData(2, 5, false)]
    [InlineData(4, 10, true)]
    [InlineData(5, 10, false)]
    public void MayEjectOneMore_NeverPastHalf_Expected(int ejected, int total, bool expected) =>
        Assert.Equal(expected, PanicGuard.MayEjectOneMore(ejected, total));

    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(1, 1, true)]
    [InlineData(1, 2, false)]
    [InlineData(2, 3, true)]
    [InlineData(2, 4, false)]
    [InlineData(3, 4, true)]
    [InlineData(2, 2, true)]
    public void IsPanicking_MoreThanHalfEjected_Expected(int ejected, int total, bool expected) =>
        Assert.Equal(expected, PanicGuard.IsPanicking(ejected, total));

    [Fact]
    public void IsPanicking_AfterScaleDown_True()
    {
        var time = new FakeTimeProvider();
        var settings = new HealthSettings(1, TimeSpan.FromSeconds(10), HealthSettings.DefaultMaxEjection);
        var pods = Enumerable.Range(0, 4).Select(_ => new PodHealth(settings, time, hasActiveHealth: true)).ToArray();
        Assert.Equal(HealthOutcome.Ejected, pods[0].RecordFailure("reset", () => PanicGuard.MayEjectOneMore<PodHealth>(pods, static p => p)));
        Assert.Equal(HealthOutcome.Ejected, pods[1].RecordFailure("reset", () => PanicGuard.MayEjectOneMore<PodHealth>(pods, static p => p)));
        Assert.Equal(HealthOutcome.EjectionRefusedByPanicGuard, pods[2].RecordFailure("reset", () => PanicGuard.MayEjectOneMore<PodHealth>(pods, static p => p)));
        Assert.False(PanicGuard.IsPanicking<PodHealth>(pods, static p => p));

        var remaining = pods[..3];
        Assert.True(PanicGuard.IsPanicking<PodHealth>(remaining, static p => p));
    }

    [Fact]
    public void CountEjected_AwaitingProbe_Counts()
    {
        var time = new FakeTimeProvider();
        var settings = new HealthSettings(1, TimeSpan.FromSeconds(10), HealthSettings.DefaultMaxEjection);
        var pods = new[] { new PodHealth(settings, time, true), new PodHealth(settings, time, false), new PodHealth(settings, time, false) };
        pods[0].RecordFailure("reset", () => true);
        pods[1].RecordFailure("reset", () => true);
        Assert.Equal(2, PanicGuard.CountEjected<PodHealth>(pods, static p => p));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, PanicGuard.CountEjected<PodHealth>(pods, static p => p));
    }
}
