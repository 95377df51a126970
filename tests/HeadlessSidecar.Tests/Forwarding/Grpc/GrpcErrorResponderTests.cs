using HeadlessSidecar.Forwarding;
using HeadlessSidecar.Forwarding.Grpc;
using HeadlessSidecar.Routing;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Tests.Forwarding.Grpc;

public class GrpcErrorResponderTests
{
    [Fact]
    public void EncodeMessage_PrintableAscii_IsUnchanged()
    {
        var message = "no_endpoints: service 'web' has no ready pods in DNS";
        Assert.Same(message, GrpcErrorResponder.EncodeMessage(message));
    }

    [Fact]
    public void EncodeMessage_PercentControlAndNonAscii_ArePercentEncodedUtf8()
    {
        Assert.Equal("50%25 done%0Anext: caf%C3%A9", GrpcErrorResponder.EncodeMessage("50% done\nnext: café"));
    }

    [Fact]
    public async Task ErrorResponderWriteAsync_GrpcCall_AnswersTrailersOnlyWithStatusAndNoBody()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/grpc";
        var body = new MemoryStream();
        context.Response.Body = body;
        await ErrorResponder.WriteAsync(context, ProxyError.UpstreamTimeout, "no answer within 1s");
        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/grpc", context.Response.ContentType);
        Assert.Equal("4", context.Response.Headers["grpc-status"].ToString());
        Assert.Equal("upstream_timeout: no answer within 1s", context.Response.Headers["grpc-message"].ToString());
        Assert.Equal("upstream_timeout", context.Response.Headers[ErrorResponder.ErrorHeader].ToString());
        Assert.Equal(0, body.Length);
    }

    [Fact]
    public async Task ErrorResponderWriteAsync_PlainCall_KeepsJson()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Response.Body = new MemoryStream();
        await ErrorResponder.WriteAsync(context, ProxyError.NoEndpoints, "none");
        Assert.Equal(503, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("grpc-status"));
    }
}
