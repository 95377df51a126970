using System.Text;
using HeadlessSidecar.Forwarding.Http1;

namespace HeadlessSidecar.Tests.Forwarding.Http1;

public sealed class Http1ResponseParserTests
{
    private static Http1ParseStatus Parse(string text, out Http1ResponseHead head, out Http1HeaderRange[] headers)
    {
        headers = new Http1HeaderRange[Http1ResponseParser.MaxHeaders];
        return Http1ResponseParser.TryParse(Encoding.Latin1.GetBytes(text), headers, out head);
    }

    private static void AssertInvalid(string text)
    {
        Assert.Equal(Http1ParseStatus.Invalid, Parse(text, out var head, out _));
        Assert.NotNull(head.Error);
    }

    [Fact]
    public void TryParse_SimpleHead_ReadsStatusHeadersAndLength()
    {
        const string text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-A:  spaced value \t\r\n\r\nhello";
        var bytes = Encoding.Latin1.GetBytes(text);
        var ranges = new Http1HeaderRange[100];

        Assert.Equal(Http1ParseStatus.Complete, Http1ResponseParser.TryParse(bytes, ranges, out var head));

        Assert.Equal(200, head.Status);
        Assert.Equal(1, head.MinorVersion);
        Assert.Equal(5, head.ContentLength);
        Assert.False(head.Chunked);
        Assert.Equal(3, head.HeaderCount);
        Assert.Equal(text.Length - 5, head.Length);
        var third = ranges[2];
        Assert.Equal("X-A", Encoding.Latin1.GetString(bytes, third.NameStart, third.NameLength));
        Assert.Equal("spaced value", Encoding.Latin1.GetString(bytes, third.ValueStart, third.ValueLength));
    }

    [Fact]
    public void TryParse_SplitAtEveryByte_IncompleteUntilTheEmptyLine()
    {
        const string text = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nSet-Cookie: a=1\r\n\r\n";
        var bytes = Encoding.Latin1.GetBytes(text);
        var ranges = new Http1HeaderRange[100];
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            Assert.Equal(Http1ParseStatus.Incomplete, Http1ResponseParser.TryParse(bytes.AsSpan(0, cut), ranges, out _));
        }
        Assert.Equal(Http1ParseStatus.Complete, Http1ResponseParser.TryParse(bytes, ranges, out var head));
        Assert.Equal(404, head.Status);
        Assert.True(head.Chunked);
        Assert.True(head.ConnectionClose);
        Assert.Equal(-1, head.ContentLength);
        Assert.Equal(bytes.Length, head.Length);
    }

    [Theory]
    [InlineData("HTTP/1.1 204\r\n\r\n", 204)]
    [InlineData("HTTP/1.0 200 OK\r\n\r\n", 200)]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", 103)]
    [InlineData("HTTP/1.1 200 \r\n\r\n", 200)]
    [InlineData("HTTP/1.1 599 Custom Reason With Spaces\r\n\r\n", 599)]
    public void TryParse_ValidStatusLines_Complete(string text, int status)
    {
        Assert.Equal(Http1ParseStatus.Complete, Parse(text, out var head, out _));
        Assert.Equal(status, head.Status);
    }

    [Theory]
    [InlineData("HTTP/2.0 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 099 OK\r\n\r\n")]
    [InlineData("HTTP/1.1  200 OK\r\n\r\n")]
    [InlineData("http/1.1 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 O\u0001K\r\n\r\n")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n")]
    [InlineData("\r\nHTTP/1.1 200 OK\r\n\r\n")]
    [InlineData("ICY 200 OK\r\n\r\n")]
    public void TryParse_BadStatusLine_Invalid(string text) => AssertInvalid(text);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\n\n")]
    [InlineData("HTTP/1.1 200 OK\r\nA: b\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nA: b\r\n\n")]
    [InlineData("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n")]
    public void TryParse_BareLfOrLoneCr_Invalid(string text) => AssertInvalid(text);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nA: b\r\n\tfolded\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nName : value\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n: value\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nBad(Name): v\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nA: nul\u0000byte\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nA: del\u007f\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nA: caf\u00e9\r\n\r\n")]
    public void TryParse_BadHeaderLine_Invalid(string text) => AssertInvalid(text);

    [Theory]
    [InlineData("Content-Length: 1\r\nTransfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 0")]
    [InlineData("Content-Length: 1\r\nContent-Length: 2")]
    [InlineData("Content-Length: 1, 1")]
    [InlineData("Content-Length: -1")]
    [InlineData("Content-Length: +1")]
    [InlineData("Content-Length: 0x10")]
    [InlineData("Content-Length: ")]
    [InlineData("Content-Length: 9223372036854775808")]
    [InlineData("Content-Length: 99999999999999999999999")]
    [InlineData("Transfer-Encoding: gzip, chunked")]
    [InlineData("Transfer-Encoding: chunked, gzip")]
    [InlineData("Transfer-Encoding: identity")]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked")]
    public void TryParse_BadFraming_Invalid(string headers) => AssertInvalid($"HTTP/1.1 200 OK\r\n{headers}\r\n\r\n");

    [Fact]
    public void TryParse_RepeatedEqualContentLength_Accepted()
    {
        Assert.Equal(Http1ParseStatus.Complete, Parse("HTTP/1.1 200 OK\r\nContent-Length: 42\r\ncontent-length: 42\r\n\r\n", out var head, out _));
        Assert.Equal(42, head.ContentLength);
    }

    [Fact]
    public void TryParse_LargestContentLength_Accepted()
    {
        Assert.Equal(Http1ParseStatus.Complete, Parse("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n", out var head, out _));
        Assert.Equal(long.MaxValue, head.ContentLength);
    }

    [Fact]
    public void TryParse_ConnectionListingHeaders_Flagged()
    {
        Assert.Equal(Http1ParseStatus.Complete, Parse("HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\n\r\n", out var head, out _));
        Assert.True(head.ConnectionKeepAlive);
        Assert.True(head.ConnectionListsHeaders);
        Assert.False(head.ConnectionClose);
    }

    [Fact]
    public void TryParse_HundredHeaders_AcceptedButNotOneMore()
    {
        var hundred = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (var i = 0; i < 100; i++)
        {
            hundred.Append("X-").Append(i).Append(": v\r\n");
        }
        Assert.Equal(Http1ParseStatus.Complete, Parse(hundred + "\r\n", out var head, out _));
        Assert.Equal(100, head.HeaderCount);
        AssertInvalid(hundred + "X-101: v\r\n\r\n");
    }

    [Fact]
    public void TryParse_HeadOver64KiB_Invalid()
    {
        var big = "HTTP/1.1 200 OK\r\nX-Big: " + new string('a', 64 * 1024) + "\r\n\r\n";
        AssertInvalid(big);
        // Also while still incomplete: a head that never ends is refused once it passes the limit.
        AssertInvalid(big[..(64 * 1024 + 10)]);
    }

    [Fact]
    public void TryParse_HeadJustUnder64KiB_Complete()
    {
        var prefix = "HTTP/1.1 200 OK\r\nX-Big: ";
        var text = prefix + new string('a', 64 * 1024 - prefix.Length - 4) + "\r\n\r\n";
        Assert.Equal(64 * 1024, text.Length);
        Assert.Equal(Http1ParseStatus.Complete, Parse(text, out _, out _));
    }
}
