using System.Net;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Tests.Configuration;

public class EndPointParserTests
{
    [Theory]
    [InlineData("127.0.0.1:18001", "127.0.0.1", 18001)]
    [InlineData("0.0.0.0:18090", "0.0.0.0", 18090)]
    [InlineData("[::1]:18001", "::1", 18001)]
    [InlineData("localhost:80", "127.0.0.1", 80)]
    [InlineData("10.96.0.10", "10.96.0.10", 53)]
    [InlineData("fd00::10", "fd00::10", 53)]
    public void TryParse_ValidEndPoints_ReturnsEndPoint(string text, string address, int port)
    {
        Assert.True(EndPointParser.TryParse(text, 53, out var endPoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endPoint);
    }

    [Theory]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("127.0.0.1:")]
    [InlineData("example.com:80")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    [InlineData("")]
    public void TryParse_InvalidEndPoints_ReturnsFalse(string text)
    {
        Assert.False(EndPointParser.TryParse(text, 53, out _));
    }

    [Fact]
    public void TryParse_NoPortAndNoDefault_ReturnsFalse()
    {
        Assert.False(EndPointParser.TryParse("127.0.0.1", null, out _));
    }
}
