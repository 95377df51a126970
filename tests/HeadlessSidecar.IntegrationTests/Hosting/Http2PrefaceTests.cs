using System.Buffers;
using System.Text;
using HeadlessSidecar.Hosting;

namespace HeadlessSidecar.IntegrationTests.Hosting;

public class Http2PrefaceTests
{
    private static readonly byte[] Preface = Http2Preface.Bytes.ToArray();

    [Theory]
    [InlineData("", nameof(PrefaceMatch.Incomplete))]
    [InlineData("P", nameof(PrefaceMatch.Incomplete))]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r", nameof(PrefaceMatch.Incomplete))]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", nameof(PrefaceMatch.Http2))]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04", nameof(PrefaceMatch.Http2))]
    [InlineData("GET / HTTP/1.1\r\n", nameof(PrefaceMatch.Http1))]
    [InlineData("POST", nameof(PrefaceMatch.Http1))]
    [InlineData("PRI * HTTP/1.1\r\n", nameof(PrefaceMatch.Http1))]
    [InlineData("\x16\x03\x01", nameof(PrefaceMatch.Http1))]
    public void Match_SingleSegment_TellsByFirstBytes(string head, string expected)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head));

        Assert.Equal(Enum.Parse<PrefaceMatch>(expected), Http2Preface.Match(buffer));
    }

    [Fact]
    public void Match_PrefaceSplitOverSegments_IsHttp2()
    {
        var buffer = TestSegment.Sequence(Preface[..1], Preface[1..10], Preface[10..], [0, 0, 0]);

        Assert.Equal(PrefaceMatch.Http2, Http2Preface.Match(buffer));
    }

    [Fact]
    public void Match_DifferenceInLaterSegment_IsHttp1()
    {
        var buffer = TestSegment.Sequence(Preface[..5], "HTTP/1.1"u8.ToArray());

        Assert.Equal(PrefaceMatch.Http1, Http2Preface.Match(buffer));
    }

    [Fact]
    public void Match_PrefixSplitOverSegments_IsIncomplete()
    {
        var buffer = TestSegment.Sequence(Preface[..3], Preface[3..7]);

        Assert.Equal(PrefaceMatch.Incomplete, Http2Preface.Match(buffer));
    }
}
