using HeadlessSidecar.Commands;

namespace HeadlessSidecar.Tests.Commands;

public sealed class AwaitCommandTests
{
    [Fact]
    public void TryParse_NoFlags_ContractDefaults()
    {
        Assert.True(AwaitCommand.TryParse([], out var url, out var timeout, out var error), error);
        Assert.Equal(new Uri("http://127.0.0.1:18090/readyz"), url);
        Assert.Equal(TimeSpan.FromMinutes(2), timeout);
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("00:00:05", 5_000)]
    [InlineData("250ms", 250)]
    public void TryParse_ProjectDurationSyntax_Accepted(string text, int milliseconds)
    {
        Assert.True(AwaitCommand.TryParse(["--url=https://10.0.0.1:9000/ready", "--timeout", text], out var url, out var timeout, out var error), error);
        Assert.Equal(new Uri("https://10.0.0.1:9000/ready"), url);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), timeout);
    }

    [Theory]
    [InlineData(new[] { "--timeout", "soon" }, "--timeout: 'soon' is not a positive duration")]
    [InlineData(new[] { "--timeout", "0s" }, "--timeout: '0s' is not a positive duration")]
    [InlineData(new[] { "--url", "127.0.0.1:18090/readyz" }, "--url: '127.0.0.1:18090/readyz' is not an http:// or https:// URL")]
    [InlineData(new[] { "--url", "ftp://host/readyz" }, "--url: 'ftp://host/readyz' is not an http:// or https:// URL")]
    [InlineData(new[] { "--url" }, "--url needs a value")]
    [InlineData(new[] { "--wait" }, "unknown argument '--wait'")]
    public void TryParse_BadFlags_Refused(string[] args, string expected)
    {
        Assert.False(AwaitCommand.TryParse(args, out _, out _, out var error));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}
