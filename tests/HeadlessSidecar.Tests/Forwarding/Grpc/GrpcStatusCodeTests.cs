using HeadlessSidecar.Forwarding.Grpc;

namespace HeadlessSidecar.Tests.Forwarding.Grpc;

public class GrpcStatusCodeTests
{
    [Theory]
    [InlineData("UNAVAILABLE", 14)]
    [InlineData("unavailable", 14)]
    [InlineData(" Deadline_Exceeded ", 4)]
    [InlineData("14", 14)]
    [InlineData("16", 16)]
    public void TryParse_NameOrNumber_GivesTheCode(string value, int code)
    {
        Assert.True(GrpcStatusCode.TryParse(value, out var parsed));
        Assert.Equal(code, parsed);
    }

    [Theory]
    [InlineData("17")]
    [InlineData("-1")]
    [InlineData("BROKEN")]
    [InlineData("")]
    public void TryParse_Unknown_IsRejected(string value)
    {
        Assert.False(GrpcStatusCode.TryParse(value, out _));
    }

    [Theory]
    [InlineData(502, 14)]
    [InlineData(503, 14)]
    [InlineData(504, 4)]
    [InlineData(400, 3)]
    [InlineData(404, 12)]
    public void ForHttpStatus_ContractTable_IsFollowed(int http, int grpc)
    {
        Assert.Equal(grpc, GrpcStatusCode.ForHttpStatus(http));
    }
}
