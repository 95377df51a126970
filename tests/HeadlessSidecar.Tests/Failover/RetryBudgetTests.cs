using HeadlessSidecar.Failover;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Failover;

public class RetryBudgetTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static void RecordRequests(RetryBudget budget, int count)
    {
        for (var i = 0; i < count; i++)
        {
            budget.RecordRequest();
        }
    }

    private static int AcquireAll(RetryBudget budget, int attempts)
    {
        var allowed = 0;
        for (var i = 0; i < attempts; i++)
        {
            if (budget.TryAcquireRetry())
            {
                allowed++;
            }
        }
        return allowed;
    }

    [Fact]
    public void TryAcquireRetry_FewRequests_AllowsMinimumOf100()
    {
        var budget = new RetryBudget(20, _time);
        RecordRequests(budget, 10);

        Assert.Equal(100, AcquireAll(budget, 100));
        Assert.False(budget.TryAcquireRetry());
        Assert.Equal(100, budget.RetriesInWindow);
        Assert.Equal(10, budget.RequestsInWindow);
    }

    [Fact]
    public void TryAcquireRetry_NoRequests_AllowsMinimumOf100()
    {
        var budget = new RetryBudget(20, _time);

        Assert.Equal(100, AcquireAll(budget, 150));
    }

    [Theory]
    [InlineData(1_000, 200)]
    [InlineData(2_000, 400)]
    [InlineData(2_004, 400)]
    [InlineData(2_005, 401)]
    public void TryAcquireRetry_ManyRequestsAt20Percent_AllowsFloorOfShare(int requests, int expected)
    {
        var budget = new RetryBudget(20, _time);
        RecordRequests(budget, requests);

        Assert.Equal(expected, AcquireAll(budget, expected));
        Assert.False(budget.TryAcquireRetry());
        Assert.Equal(expected, budget.RetriesInWindow);
    }

    [Fact]
    public void TryAcquireRetry_ZeroPercent_AllowsOnlyMinimum()
    {
        var budget = new RetryBudget(0, _time);
        RecordRequests(budget, 10_000);

        Assert.Equal(100, AcquireAll(budget, 1_000));
    }

    [Fact]
    public void TryAcquireRetry_ShareBelowMinimum_MinimumWins()
    {
        var budget = new RetryBudget(20, _time);
        RecordRequests(budget, 499);

        Assert.Equal(100, AcquireAll(budget, 1_000));
    }

    [Fact]
    public void TryAcquireRetry_Refused_IsNotCounted()
    {
        var budget = new RetryBudget(20, _time);
        Assert.Equal(100, AcquireAll(budget, 100));
        Assert.Equal(0, AcquireAll(budget, 50));
        Assert.Equal(100, budget.RetriesInWindow);

        // 600 requests raise the limit to 120: the 50 refusals must not have used any of it.
        RecordRequests(budget, 600);

        Assert.Equal(20, AcquireAll(budget, 50));
        Assert.Equal(120, budget.RetriesInWindow);
    }

    [Fact]
    public void TryAcquireRetry_WindowPassed_BudgetRestored()
    {
        var budget = new RetryBudget(20, _time);
        RecordRequests(budget, 1_000);
        Assert.Equal(200, AcquireAll(budget, 200));
        Assert.False(budget.TryAcquireRetry());

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(0, budget.RequestsInWindow);
        Assert.Equal(0, budget.RetriesInWindow);
        Assert.Equal(100, AcquireAll(budget, 150));
    }

    [Fact]
    public void TryAcquireRetry_JustBeforeWindowEnds_StillRefused()
    {
        var budget = new RetryBudget(20, _time);
        Assert.Equal(100, AcquireAll(budget, 100));

        _time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));

        Assert.False(budget.TryAcquireRetry());
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(budget.TryAcquireRetry());
    }

    [Fact]
    public void TryAcquireRetry_WindowSlides_ExpiresBucketByBucket()
    {
        var budget = new RetryBudget(20, _time);
        Assert.Equal(30, AcquireAll(budget, 30));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(30, AcquireAll(budget, 30));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(40, AcquireAll(budget, 50));

        // t = 10 s: the first second's 30 retries leave the window, the rest stay.
        _time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(70, budget.RetriesInWindow);
        Assert.Equal(30, AcquireAll(budget, 50));

        // t = 11 s: the second second's 30 leave too.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(70, budget.RetriesInWindow);
        Assert.Equal(30, AcquireAll(budget, 50));
    }

    [Fact]
    public void RecordRequest_WindowSlides_ShareShrinksWithExpiredRequests()
    {
        var budget = new RetryBudget(20, _time);
        RecordRequests(budget, 1_000);
        _time.Advance(TimeSpan.FromSeconds(5));
        RecordRequests(budget, 1_000);
        Assert.Equal(2_000, budget.RequestsInWindow);

        // t = 10 s: only the second batch counts, so the limit is 200.
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(1_000, budget.RequestsInWindow);
        Assert.Equal(200, AcquireAll(budget, 300));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(25)]
    [InlineData(3_600)]
    public void TryAcquireRetry_IdleGapLongerThanWindow_StartsFresh(int idleSeconds)
    {
        var budget = new RetryBudget(20, _time);
        RecordRequests(budget, 1_000);
        Assert.Equal(200, AcquireAll(budget, 200));

        // 20 s lands every bucket on the slot it had a lap earlier: old counts must not add up.
        _time.Advance(TimeSpan.FromSeconds(idleSeconds));
        Assert.Equal(0, budget.RequestsInWindow);
        Assert.Equal(0, budget.RetriesInWindow);

        budget.RecordRequest();
        Assert.Equal(1, budget.RequestsInWindow);
        Assert.Equal(100, AcquireAll(budget, 150));
        Assert.Equal(100, budget.RetriesInWindow);
    }

    [Fact]
    public void TryAcquireRetry_ConcurrentCallers_NeverExceedLimit()
    {
        var budget = new RetryBudget(20, _time);
        Parallel.For(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => budget.RecordRequest());
        Assert.Equal(2_000, budget.RequestsInWindow);

        var allowed = 0;
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            if (budget.TryAcquireRetry())
            {
                Interlocked.Increment(ref allowed);
            }
        });

        Assert.Equal(400, allowed);
        Assert.Equal(400, budget.RetriesInWindow);
    }

    [Fact]
    public void TryAcquireRetry_ConcurrentRequestsAndRetries_StayWithinLimit()
    {
        var budget = new RetryBudget(20, _time);
        var allowed = 0;
        Parallel.For(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            budget.RecordRequest();
            if (budget.TryAcquireRetry())
            {
                Interlocked.Increment(ref allowed);
            }
        });

        Assert.Equal(10_000, budget.RequestsInWindow);
        Assert.Equal(allowed, budget.RetriesInWindow);
        Assert.InRange(allowed, 100, 2_000);
    }

    [Fact]
    public void Constructor_CustomWindow_UsesItsBucketsAndMinimum()
    {
        var budget = new RetryBudget(50, _time, TimeSpan.FromSeconds(1), bucketCount: 4, minRetriesPerWindow: 2);
        RecordRequests(budget, 10);
        Assert.Equal(5, AcquireAll(budget, 10));

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, budget.RequestsInWindow);
        Assert.Equal(2, AcquireAll(budget, 10));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void Constructor_PercentOutOfRange_Throws(int percent)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryBudget(percent, _time));
    }
}
