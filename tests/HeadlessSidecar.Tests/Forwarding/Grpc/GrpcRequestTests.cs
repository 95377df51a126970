using HeadlessSidecar.Forwarding.Grpc;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Tests.Forwarding.Grpc;

public class GrpcRequestTests
{
    [Theory]
    [InlineData("1H", 3600_000_000_0L)]
    [InlineData("2M", 1200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("1500u", 15_000L)]
    [InlineData("700n", 7L)]
    [InlineData("99999999m", 999_999_990_000L)]
    [InlineData("0S", 0L)]
    public void TryParseTimeout_EachUnit_GivesTheDuration(string value, long ticks)
    {
        Assert.True(GrpcRequest.TryParseTimeout(value, out var timeout));
        Assert.Equal(TimeSpan.FromTicks(ticks), timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData(" 5S")]
    public void TryParseTimeout_Malformed_IsRejected(string value)
    {
        Assert.False(GrpcRequest.TryParseTimeout(value, out _));
    }

    [Fact]
    public void TryParseTimeout_HugeHours_IsClampedToWhatATimerTakes()
    {
        Assert.True(GrpcRequest.TryParseTimeout("99999999H", out var timeout));
        Assert.Equal(GrpcRequest.MaxTimeout, timeout);
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("Application/GRPC; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void IsGrpc_ContentType_DecidesIt(string? contentType, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = contentType;
        Assert.Equal(expected, GrpcRequest.IsGrpc(context.Request));
    }
}
