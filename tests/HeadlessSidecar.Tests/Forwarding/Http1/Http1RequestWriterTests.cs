using System.Buffers;
using System.Text;
using HeadlessSidecar.Forwarding.Http1;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Tests.Forwarding.Http1;

public sealed class Http1RequestWriterTests
{
    private static string Write(string method, string target, string host, HeaderDictionary headers, Http1BodyFraming framing)
    {
        var output = new ArrayBufferWriter<byte>();
        Http1RequestWriter.WriteHead(output, method, target, host, headers, framing);
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    [Fact]
    public void WriteHead_DropsHopByHopRoutingAndListedHeaders()
    {
        var headers = new HeaderDictionary
        {
            ["Host"] = "app.example",
            ["Accept"] = "*/*",
            ["Connection"] = "keep-alive, X-Hop",
            ["X-Hop"] = "1",
            ["Keep-Alive"] = "timeout=5",
            ["Proxy-Connection"] = "keep-alive",
            ["TE"] = "trailers",
            ["Trailer"] = "X-T",
            ["Transfer-Encoding"] = "chunked",
            ["Upgrade"] = "h2c",
            ["Expect"] = "100-continue",
            ["X-Headless-Ordinal"] = "2",
            ["X-Kept"] = new(["a", "b"]),
        };

        var head = Write("POST", "/p?q=1", "web-2.nginx:8080", headers, Http1BodyFraming.Chunked);

        Assert.Equal(
            "POST /p?q=1 HTTP/1.1\r\nHost: web-2.nginx:8080\r\nAccept: */*\r\nX-Kept: a\r\nX-Kept: b\r\nTransfer-Encoding: chunked\r\n\r\n",
            head);
    }

    [Fact]
    public void WriteHead_ContentLengthBody_KeepsContentLength()
    {
        var headers = new HeaderDictionary { ["Content-Length"] = "3", ["Content-Type"] = "text/plain" };

        var head = Write("PUT", "/x", "h", headers, Http1BodyFraming.ContentLength);

        Assert.Equal("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\n", head);
    }

    [Theory]
    [InlineData("/a/b?c=d", "/a/b?c=d")]
    [InlineData("http://web-2.nginx:80/a/b?c=d", "/a/b?c=d")]
    [InlineData("http://web-2.nginx", "/")]
    [InlineData("http://web-2.nginx?x=1", "/?x=1")]
    [InlineData("HTTP://[::1]:8080/p", "/p")]
    [InlineData("*", "*")]
    [InlineData("", "/")]
    public void OriginForm_AbsoluteFormBecomesPathAndQuery(string raw, string expected) =>
        Assert.Equal(expected, Http1RequestWriter.OriginForm(raw).ToString());
}
