using System.Text;
using HeadlessSidecar.Forwarding;
using HeadlessSidecar.Routing;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Tests.Forwarding;

public class ErrorResponderTests
{
    private static async Task<(HttpResponse Response, string Body)> WriteAsync(ProxyError error, string detail)
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        await ErrorResponder.WriteAsync(context, error, detail);
        return (context.Response, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task WriteAsync_WritesStatusHeaderAndJson()
    {
        var (response, body) = await WriteAsync(ProxyError.PodUnavailable, "ordinal 7 of service 'web' is not among its discovered pods");
        Assert.Equal(503, response.StatusCode);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("pod_unavailable", response.Headers[ErrorResponder.ErrorHeader].ToString());
        Assert.Equal("{\"error\":\"pod_unavailable\",\"detail\":\"ordinal 7 of service 'web' is not among its discovered pods\"}\n", body);
    }

    [Fact]
    public async Task WriteAsync_DetailWithQuotesAndNonAscii_IsEscapedMinimally()
    {
        var (_, body) = await WriteAsync(ProxyError.BadOrdinal, "got '\"x\\' …");
        Assert.Equal("{\"error\":\"bad_ordinal\",\"detail\":\"got '\\\"x\\\\' …\"}\n", body);
    }

    [Fact]
    public async Task WriteAsync_ManyAnswersInARow_EachIsWhole()
    {
        // The writer is reused per thread: no answer may carry another's bytes or state.
        for (var i = 0; i < 3; i++)
        {
            var (_, first) = await WriteAsync(ProxyError.UpstreamFailed, "first " + i);
            var (_, second) = await WriteAsync(ProxyError.NoEndpoints, new string('x', 5000));
            Assert.Equal($"{{\"error\":\"upstream_failed\",\"detail\":\"first {i}\"}}\n", first);
            Assert.Equal($"{{\"error\":\"no_endpoints\",\"detail\":\"{new string('x', 5000)}\"}}\n", second);
        }
    }

    [Fact]
    public async Task WriteAsync_ClearsWhatWasSetBefore()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        context.Response.Headers["X-Other"] = "1";
        context.Response.StatusCode = 200;
        await ErrorResponder.WriteAsync(context, ProxyError.UpstreamTimeout, "timed out");
        Assert.Equal(504, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("X-Other"));
    }

    [Fact]
    public async Task WriteAsync_KeepsADrainsConnectionClose()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        context.Response.Headers.Connection = "close";
        context.Response.Headers["X-Other"] = "1";
        await ErrorResponder.WriteAsync(context, ProxyError.UpstreamFailed, "reset");
        Assert.Equal(502, context.Response.StatusCode);
        Assert.Equal("close", context.Response.Headers.Connection.ToString());
        Assert.False(context.Response.Headers.ContainsKey("X-Other"));
    }
}
