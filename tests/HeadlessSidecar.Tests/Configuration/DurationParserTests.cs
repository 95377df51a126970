using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Tests.Configuration;

public class DurationParserTests
{
    [Theory]
    [InlineData("00:00:05", 5_000)]
    [InlineData("00:01:40", 100_000)]
    [InlineData("1.00:00:00", 86_400_000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1_500)]
    [InlineData("5s", 5_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData(" 3s ", 3_000)]
    public void TryParse_ValidForms_ReturnsValue(string text, long milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5 seconds")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("-00:00:05")]
    [InlineData("5x")]
    [InlineData("1e400s")]
    public void TryParse_InvalidForms_ReturnsFalse(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _));
    }
}
