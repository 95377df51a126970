using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

public class RefreshScheduleTests
{
    private static RefreshSchedule Schedule(double min = 1, double max = 30, double random = 0) =>
        new(TimeSpan.FromSeconds(min), TimeSpan.FromSeconds(max), () => random);

    [Theory]
    [InlineData(10, 10)]
    [InlineData(0.2, 1)]
    [InlineData(0, 1)]
    [InlineData(300, 30)]
    [InlineData(1, 1)]
    [InlineData(30, 30)]
    public void AfterAnswer_NoJitter_TtlClampedToMinMax(double ttl, double expected)
    {
        Assert.Equal(TimeSpan.FromSeconds(expected), Schedule().AfterAnswer(TimeSpan.FromSeconds(ttl)));
    }

    [Theory]
    [InlineData(0.0, 20.0)]
    [InlineData(0.5, 19.0)]
    [InlineData(0.999999, 18.00002)]
    public void AfterAnswer_Jitter_ShortensByUpToTenPercent(double random, double expected)
    {
        var delay = Schedule(random: random).AfterAnswer(TimeSpan.FromSeconds(20));

        Assert.Equal(expected, delay.TotalSeconds, precision: 4);
    }

    [Fact]
    public void AfterAnswer_RealRandom_StaysWithinJitterBand()
    {
        var schedule = new RefreshSchedule(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new Random(42).NextDouble);

        for (var i = 0; i < 1000; i++)
        {
            var delay = schedule.AfterAnswer(TimeSpan.FromSeconds(10));
            Assert.InRange(delay, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(10));
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 0.1)]
    [InlineData(0.1, 0.1)]
    public void AfterAnswer_ZeroTtlAndTinyMinRefresh_NeverBelowFloor(double ttl, double minRefresh)
    {
        var delay = Schedule(min: minRefresh, random: 0.999).AfterAnswer(TimeSpan.FromSeconds(ttl));

        Assert.Equal(RefreshSchedule.Floor, delay);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(1000, 30)]
    [InlineData(int.MaxValue, 30)]
    public void AfterError_ConsecutiveFailures_DoublesFromMinRefreshCappedAtMax(int failures, double expected)
    {
        Assert.Equal(TimeSpan.FromSeconds(expected), Schedule().AfterError(failures));
    }

    [Fact]
    public void AfterError_MinRefreshZero_BacksOffFromFloor()
    {
        var schedule = Schedule(min: 0, max: 1);

        Assert.Equal([0.25, 0.5, 1, 1], Enumerable.Range(1, 4).Select(n => schedule.AfterError(n).TotalSeconds));
    }

    [Fact]
    public void AfterError_HugeMaxRefresh_DoesNotOverflow()
    {
        var schedule = new RefreshSchedule(TimeSpan.FromSeconds(1), TimeSpan.MaxValue, () => 0);

        Assert.True(schedule.AfterError(200) > TimeSpan.FromDays(365));
    }

    [Fact]
    public void MinInterval_MinRefreshBelowFloor_IsFloor()
    {
        Assert.Equal(RefreshSchedule.Floor, Schedule(min: 0).MinInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), Schedule(min: 2).MinInterval);
    }
}
