using System.Buffers;
using CsCheck;
using HeadlessSidecar.Hosting;

namespace HeadlessSidecar.Tests.Hosting;

/// <summary>The preface sniffer over any bytes, in one segment or many: it says Http2 exactly when the 24 preface bytes
/// are there, Http1 as soon as one byte differs, Incomplete otherwise, and never throws.</summary>
public sealed class Http2PrefacePropertyTests
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, IEnumerable<int> cuts)
    {
        var ends = cuts.Select(c => Math.Clamp(c, 0, bytes.Length)).Append(bytes.Length).Distinct().Order().ToList();
        Segment? first = null;
        Segment? last = null;
        var start = 0;
        foreach (var end in ends)
        {
            last = new Segment(bytes.AsMemory(start, end - start), last);
            first ??= last;
            start = end;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private static PrefaceMatch Expected(byte[] bytes)
    {
        var preface = Http2Preface.Bytes;
        var length = Math.Min(bytes.Length, preface.Length);
        if (!bytes.AsSpan(0, length).SequenceEqual(preface[..length]))
        {
            return PrefaceMatch.Http1;
        }
        return length == preface.Length ? PrefaceMatch.Http2 : PrefaceMatch.Incomplete;
    }

    /// <summary>Noise, a prefix of the preface, the preface with one byte changed, or the preface and more.</summary>
    private static readonly Gen<byte[]> s_input = Gen.OneOf(
        Gen.Byte.Array[0, 40],
        Gen.Int[0, 24].Select(n => Http2Preface.Bytes[..n].ToArray()),
        Gen.Select(Gen.Int[0, 23], Gen.Byte).Select((at, value) =>
        {
            var bytes = Http2Preface.Bytes.ToArray();
            bytes[at] = value;
            return bytes;
        }),
        Gen.Byte.Array[0, 20].Select(tail => (byte[])[.. Http2Preface.Bytes, .. tail]));

    [Fact]
    public void Match_AnyBytesAnySplit_AgreesWithTheDefinition()
    {
        Gen.Select(s_input, Gen.Int[0, 45].Array[0, 6]).Sample((bytes, cuts) =>
        {
            Assert.Equal(Expected(bytes), Http2Preface.Match(new ReadOnlySequence<byte>(bytes)));
            Assert.Equal(Expected(bytes), Http2Preface.Match(Split(bytes, cuts)));
        }, iter: 3000);
    }
}
