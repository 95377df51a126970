using System.Globalization;
using System.Text;
using CsCheck;
using HeadlessSidecar.Forwarding.Http1;

namespace HeadlessSidecar.Tests.Forwarding.Http1;

/// <summary>
/// Properties of the upstream HTTP/1.1 response parser and chunked decoder over generated and mutated input: they
/// never throw, answer the same however the bytes are split, and read back what a valid encoding wrote.
/// </summary>
public sealed class Http1PropertyTests
{
    private const long Iterations = 1500;

    private static readonly Gen<string> s_token = Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-!#$%&'*+.^_`|~"].Array[1, 12]
        .Select(chars => new string(chars));

    private static readonly Gen<string> s_value = Gen.Char[' ', '~'].Array[0, 20].Select(chars => new string(chars).Trim());

    private static readonly Gen<byte[]> s_noise = Gen.Byte.Array[0, 300];

    /// <summary>A valid chunked body: its chunks, the encoding (extensions and trailers included) and the data.</summary>
    private static readonly Gen<(byte[] Encoded, byte[] Data)> s_chunked =
        Gen.Select(Gen.Byte.Array[1, 40].Array[0, 6], Gen.Bool.Array[6], s_token, s_value, s_token.Array[0, 3])
            .Select((chunks, upper, extName, extValue, trailers) =>
            {
                var encoded = new List<byte>();
                for (var i = 0; i < chunks.Length; i++)
                {
                    var size = chunks[i].Length.ToString(upper[i % upper.Length] ? "X" : "x", CultureInfo.InvariantCulture);
                    var extension = i % 2 == 1 ? $";{extName}={extName}" : "";
                    encoded.AddRange(Encoding.ASCII.GetBytes($"{size}{extension}\r\n"));
                    encoded.AddRange(chunks[i]);
                    encoded.AddRange("\r\n"u8.ToArray());
                }
                encoded.AddRange("0\r\n"u8.ToArray());
                foreach (var name in trailers)
                {
                    encoded.AddRange(Encoding.ASCII.GetBytes($"{name}: {extValue}\r\n"));
                }
                encoded.AddRange("\r\n"u8.ToArray());
                return (encoded.ToArray(), chunks.SelectMany(c => c).ToArray());
            });

    /// <summary>Bytes with a few positions overwritten, cut or doubled: near-valid input, where parsers break.</summary>
    private static Gen<byte[]> Mutated(Gen<byte[]> valid) =>
        Gen.Select(valid, Gen.Int[0, 1000].Array[1, 4], Gen.Byte.Array[4], Gen.Int[0, 2])
            .Select((bytes, positions, values, kind) =>
            {
                if (bytes.Length == 0)
                {
                    return bytes;
                }
                var list = bytes.ToList();
                for (var i = 0; i < positions.Length; i++)
                {
                    var at = positions[i] % list.Count;
                    switch (kind)
                    {
                        case 0: list[at] = values[i]; break;
                        case 1: list.RemoveAt(at); break;
                        default: list.Insert(at, values[i]); break;
                    }
                    if (list.Count == 0)
                    {
                        break;
                    }
                }
                return list.ToArray();
            });

    /// <summary>Feeds <paramref name="input"/> in pieces ending at <paramref name="cuts"/>; the data, the last status and the bytes consumed.</summary>
    private static (byte[] Data, Http1ParseStatus Status, int Consumed) Decode(byte[] input, IEnumerable<int> cuts)
    {
        var decoder = new Http1ChunkedDecoder();
        var data = new List<byte>();
        var position = 0;
        var ends = cuts.Select(c => Math.Clamp(c, 0, input.Length)).Append(input.Length).Distinct().Order().ToList();
        var status = Http1ParseStatus.Incomplete;
        foreach (var end in ends)
        {
            while (position <= end)
            {
                status = decoder.Decode(input.AsSpan(position, end - position), out var consumed, out var offset, out var length);
                if (status == Http1ParseStatus.Data)
                {
                    data.AddRange(input.AsSpan(position + offset, length));
                }
                position += consumed;
                if (status is Http1ParseStatus.Complete or Http1ParseStatus.Invalid)
                {
                    return ([.. data], status, position);
                }
                if (status == Http1ParseStatus.Incomplete)
                {
                    break;
                }
            }
        }
        return ([.. data], status, position);
    }

    [Fact]
    public void ChunkedDecoder_ValidEncodingSplitAnywhere_RoundTrips()
    {
        Gen.Select(s_chunked, Gen.Int[0, 400].Array[0, 8]).Sample((body, cuts) =>
        {
            var (data, status, consumed) = Decode(body.Encoded, cuts);
            Assert.Equal(Http1ParseStatus.Complete, status);
            Assert.Equal(body.Data, data);
            Assert.Equal(body.Encoded.Length, consumed);
        }, iter: Iterations);
    }

    [Fact]
    public void ChunkedDecoder_AnyInput_NeverThrowsAndSplitsAgree()
    {
        Gen.Select(Gen.OneOf(s_noise, Mutated(s_chunked.Select(b => b.Encoded))), Gen.Int[0, 400].Array[0, 8]).Sample((input, cuts) =>
        {
            var whole = Decode(input, []);
            var split = Decode(input, cuts);
            Assert.Equal(whole.Status, split.Status);
            Assert.Equal(whole.Data, split.Data);
            Assert.Equal(whole.Consumed, split.Consumed);
            Assert.InRange(whole.Consumed, 0, input.Length);
        }, iter: Iterations);
    }

    private static readonly Gen<(byte[] Head, int Status, long? ContentLength, int Headers)> s_head =
        Gen.Select(Gen.Int[100, 599], Gen.Select(s_token, s_value).Array[0, 8], Gen.Long[0, long.MaxValue].Nullable(), Gen.Bool)
            .Select((status, headers, contentLength, http10) =>
            {
                var named = headers.Where(h => !h.Item1.Equals("content-length", StringComparison.OrdinalIgnoreCase)
                    && !h.Item1.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase)
                    && !h.Item1.Equals("connection", StringComparison.OrdinalIgnoreCase)).ToList();
                var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"HTTP/1.{(http10 ? 0 : 1)} {status} Reason\r\n");
                foreach (var (name, value) in named)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
                }
                if (contentLength is { } length)
                {
                    text.Append(CultureInfo.InvariantCulture, $"Content-Length: {length}\r\n");
                }
                text.Append("\r\n");
                return (Encoding.ASCII.GetBytes(text.ToString()), status, contentLength, named.Count + (contentLength is null ? 0 : 1));
            });

    private static (Http1ParseStatus Status, Http1ResponseHead Head) Parse(ReadOnlySpan<byte> input)
    {
        var headers = new Http1HeaderRange[Http1ResponseParser.MaxHeaders];
        var status = Http1ResponseParser.TryParse(input, headers, out var head);
        return (status, head);
    }

    [Fact]
    public void ResponseParser_ValidHead_RoundTripsAndEveryPrefixIsIncomplete()
    {
        Gen.Select(s_head, Gen.Int[0, 10_000]).Sample((generated, cut) =>
        {
            var (status, head) = Parse(generated.Head);
            Assert.Equal(Http1ParseStatus.Complete, status);
            Assert.Equal(generated.Status, head.Status);
            Assert.Equal(generated.ContentLength ?? -1, head.ContentLength);
            Assert.Equal(generated.Headers, head.HeaderCount);
            Assert.Equal(generated.Head.Length, head.Length);
            // Restartable: any prefix is only "not yet", never another answer.
            Assert.Equal(Http1ParseStatus.Incomplete, Parse(generated.Head.AsSpan(0, cut % generated.Head.Length)).Status);
        }, iter: Iterations);
    }

    [Fact]
    public void ResponseParser_AnyInput_NeverThrowsAndStaysInsideTheInput()
    {
        Gen.OneOf(s_noise, Mutated(s_head.Select(h => h.Head))).Sample(input =>
        {
            var (status, head) = Parse(input);
            Assert.True(Enum.IsDefined(status));
            if (status == Http1ParseStatus.Complete)
            {
                Assert.InRange(head.Length, 1, input.Length);
                Assert.InRange(head.Status, 100, 999);
                // The same head, whatever follows it.
                Assert.Equal(Http1ParseStatus.Complete, Parse(input.AsSpan(0, head.Length)).Status);
            }
            if (status == Http1ParseStatus.Invalid)
            {
                Assert.NotNull(head.Error);
            }
        }, iter: Iterations);
    }
}
