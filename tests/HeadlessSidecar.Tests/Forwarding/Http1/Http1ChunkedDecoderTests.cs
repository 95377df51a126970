using System.Text;
using HeadlessSidecar.Forwarding.Http1;

namespace HeadlessSidecar.Tests.Forwarding.Http1;

public sealed class Http1ChunkedDecoderTests
{
    /// <summary>Feeds the input in pieces of <paramref name="piece"/> bytes; returns the data and the final status.</summary>
    private static (string Data, Http1ParseStatus Status, int Consumed) Decode(string text, int piece)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        var decoder = new Http1ChunkedDecoder();
        var data = new StringBuilder();
        var position = 0;
        var available = Math.Min(piece, bytes.Length);
        while (true)
        {
            var status = decoder.Decode(bytes.AsSpan(position, available - position), out var consumed, out var offset, out var length);
            if (status == Http1ParseStatus.Data)
            {
                data.Append(Encoding.Latin1.GetString(bytes, position + offset, length));
            }
            position += consumed;
            if (status is Http1ParseStatus.Complete or Http1ParseStatus.Invalid)
            {
                return (data.ToString(), status, position);
            }
            if (status == Http1ParseStatus.Incomplete)
            {
                if (available == bytes.Length)
                {
                    return (data.ToString(), status, position);
                }
                available = Math.Min(available + piece, bytes.Length);
            }
        }
    }

    [Fact]
    public void Decode_SplitAtEveryBoundary_SameData()
    {
        const string body = "5\r\nhello\r\nA;name=value;x\r\n, world!!!\r\n1F \r\n0123456789abcdef0123456789abcde\r\n0\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\n";
        for (var piece = 1; piece <= body.Length; piece++)
        {
            var (data, status, consumed) = Decode(body, piece);
            Assert.Equal(Http1ParseStatus.Complete, status);
            Assert.Equal("hello, world!!!0123456789abcdef0123456789abcde", data);
            Assert.Equal(body.Length, consumed);
        }
    }

    [Fact]
    public void Decode_BytesAfterTheLastChunk_NotConsumed()
    {
        var (_, status, consumed) = Decode("0\r\n\r\nHTTP/1.1", 100);
        Assert.Equal(Http1ParseStatus.Complete, status);
        Assert.Equal(5, consumed);
    }

    [Theory]
    [InlineData("5\r\nhel")]
    [InlineData("5\r\nhello\r\n")]
    [InlineData("0\r\n")]
    [InlineData("0\r\nTrailer: x\r\n")]
    public void Decode_Truncated_Incomplete(string text) => Assert.Equal(Http1ParseStatus.Incomplete, Decode(text, 1).Status);

    [Theory]
    [InlineData("\r\nhello\r\n0\r\n\r\n")]
    [InlineData("g\r\nhello\r\n0\r\n\r\n")]
    [InlineData("-5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhelloX\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello\n0\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\n\n")]
    [InlineData("5\r\nhello\r\n0\r\nA: b\n\r\n")]
    [InlineData("8000000000000000\r\n")]
    [InlineData("10000000000000000\r\n")]
    [InlineData("5;ext\u0001\r\nhello\r\n0\r\n\r\n")]
    public void Decode_BadFraming_Invalid(string text) => Assert.Equal(Http1ParseStatus.Invalid, Decode(text, 1).Status);

    [Fact]
    public void Decode_LargestChunkSize_Accepted()
    {
        var decoder = new Http1ChunkedDecoder();
        var status = decoder.Decode("7fffffffffffffff\r\nab"u8, out var consumed, out var offset, out var length);
        Assert.Equal(Http1ParseStatus.Data, status);
        Assert.Equal(2, length);
        Assert.Equal(20, consumed);
        Assert.Equal(18, offset);
    }

    [Fact]
    public void Decode_OverlongExtension_Invalid() =>
        Assert.Equal(Http1ParseStatus.Invalid, Decode("5;" + new string('e', 5000) + "\r\nhello\r\n0\r\n\r\n", 100).Status);
}
