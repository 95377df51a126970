using HeadlessSidecar.Forwarding;
using HeadlessSidecar.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.Tests.Forwarding;

public class RequestFramingTests
{
    private static FramingProblem? Check(string protocol, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = protocol;
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }
        return RequestFraming.Check(context.Request);
    }

    [Theory]
    [InlineData("HTTP/1.1")]
    [InlineData("HTTP/1.0")]
    [InlineData("HTTP/2")]
    public void Check_OrdinaryHeaders_Null(string protocol)
    {
        Assert.Null(Check(protocol, ("Host", "web"), ("Accept", "*/*"), ("X-Custom_1.a~b", "v\talue with \"quotes\" and é")));
    }

    [Theory]
    [InlineData("X(A)")]
    [InlineData("Transfer-Encoding\v")]
    [InlineData("X A")]
    [InlineData("X\0")]
    [InlineData("X\u007f")]
    [InlineData("Xé")]
    [InlineData("X:A")]
    [InlineData(":path")]
    public void Check_NameNotAToken_BadRequest(string name)
    {
        var problem = Check("HTTP/1.1", (name, "b"));
        Assert.Equal(ProxyError.BadRequest, problem?.Error);
        Assert.StartsWith("header name '", problem!.Value.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain('\v', problem.Value.Detail);
        Assert.DoesNotContain('\0', problem.Value.Detail);
    }

    [Fact]
    public void Check_PseudoHeaderOverHttp2_Null() => Assert.Null(Check("HTTP/2", (":protocol", "websocket")));

    [Theory]
    [InlineData("a\vb")]
    [InlineData("a\u001bb")]
    [InlineData("a\0b")]
    [InlineData("a\nb")]
    [InlineData("a\u007fb")]
    public void Check_ControlCharacterInValue_BadRequest(string value)
    {
        Assert.Equal(ProxyError.BadRequest, Check("HTTP/1.1", ("X-A", value))?.Error);
    }

    [Theory]
    [InlineData("Content-Length")]
    [InlineData(RequestFraming.RenamedContentLength)]
    public void Check_LengthWithTransferEncoding_BadRequest(string lengthHeader)
    {
        var problem = Check("HTTP/1.1", ("Transfer-Encoding", "chunked"), (lengthHeader, "5"));
        Assert.Equal(ProxyError.BadRequest, problem?.Error);
        Assert.Contains("Content-Length and Transfer-Encoding", problem!.Value.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.0")]
    [InlineData("HTTP/2")]
    public void Check_TransferEncodingOutsideHttp11_BadRequest(string protocol)
    {
        Assert.Equal(ProxyError.BadRequest, Check(protocol, ("Transfer-Encoding", "chunked"))?.Error);
    }

    [Theory]
    [InlineData("chunked")]
    [InlineData("Chunked")]
    [InlineData(" CHUNKED\t")]
    public void CheckCodings_OneChunked_Null(string value) => Assert.Null(RequestFraming.CheckCodings(value));

    [Theory]
    [InlineData("xchunked")]
    [InlineData("chunked, identity")]
    [InlineData("identity")]
    [InlineData("gzip")]
    [InlineData("\vchunked")]
    [InlineData("chunked\v")]
    [InlineData("chunked, chunked")]
    [InlineData(", chunked")]
    [InlineData("chunked,")]
    [InlineData("chunked;q=1")]
    [InlineData("\"chunked\"")]
    [InlineData("chunked chunked")]
    [InlineData("")]
    public void CheckCodings_MalformedOrAmbiguous_BadRequest(string value)
    {
        Assert.Equal(ProxyError.BadRequest, RequestFraming.CheckCodings(value)?.Error);
    }

    [Fact]
    public void CheckCodings_ChunkedOnTwoLines_BadRequest()
    {
        Assert.Equal(ProxyError.BadRequest, RequestFraming.CheckCodings(new StringValues(["chunked", "chunked"]))?.Error);
    }

    [Theory]
    [InlineData("gzip, chunked", "gzip")]
    [InlineData("deflate;level=1 , chunked", "deflate")]
    public void CheckCodings_UnknownCodingBeforeChunked_NotImplemented(string value, string coding)
    {
        var problem = RequestFraming.CheckCodings(value);
        Assert.Equal(ProxyError.NotImplemented, problem?.Error);
        Assert.Contains($"'{coding}'", problem!.Value.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckCodings_UnknownCodingOnOtherLine_NotImplemented()
    {
        Assert.Equal(ProxyError.NotImplemented, RequestFraming.CheckCodings(new StringValues(["gzip", "chunked"]))?.Error);
    }
}
