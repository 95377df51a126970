using HeadlessSidecar.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Logging;

public class LogRateLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryWrite_OverBudget_DroppedAndCountedInNextWindow()
    {
        var limiter = new LogRateLimiter(_time, linesPerWindow: 3, TimeSpan.FromSeconds(10));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryWrite("Kestrel", 60, out var none));
            Assert.Equal(0, none);
        }
        Assert.False(limiter.TryWrite("Kestrel", 60, out _));
        Assert.False(limiter.TryWrite("Kestrel", 60, out _));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(limiter.TryWrite("Kestrel", 60, out var suppressed));
        Assert.Equal(2, suppressed);
        Assert.True(limiter.TryWrite("Kestrel", 60, out suppressed));
        Assert.Equal(0, suppressed);
    }

    [Fact]
    public void TryWrite_OtherEventOrCategory_OwnBudget()
    {
        var limiter = new LogRateLimiter(_time, linesPerWindow: 1, TimeSpan.FromSeconds(10));
        Assert.True(limiter.TryWrite("Kestrel", 60, out _));
        Assert.False(limiter.TryWrite("Kestrel", 60, out _));
        Assert.True(limiter.TryWrite("Kestrel", 61, out _));
        Assert.True(limiter.TryWrite("Proxy", 60, out _));
    }
}
