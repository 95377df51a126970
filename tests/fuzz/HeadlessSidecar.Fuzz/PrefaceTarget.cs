using System.Buffers;
using HeadlessSidecar.Hosting;
using static HeadlessSidecar.Fuzz.FuzzPropertyException;

namespace HeadlessSidecar.Fuzz;

/// <summary>
/// The first bytes of a cleartext connection: the sniffer must say Http2 exactly when the 24 preface bytes are there,
/// Http1 as soon as one differs, Incomplete otherwise, in one segment or split at any boundary.
/// </summary>
internal static class PrefaceTarget
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

    public static void Run(byte[] input)
    {
        var expected = Expected(input);
        Check(Http2Preface.Match(new ReadOnlySequence<byte>(input)) == expected, "one segment agrees with the definition");
        for (var cut = 0; cut <= Math.Min(input.Length, Http2Preface.Bytes.Length + 1); cut++)
        {
            var first = new Segment(input.AsMemory(0, cut), null);
            var second = new Segment(input.AsMemory(cut), first);
            Check(Http2Preface.Match(new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length)) == expected,
                "two segments agree with one");
        }
    }

    private static PrefaceMatch Expected(byte[] input)
    {
        var preface = Http2Preface.Bytes;
        var length = Math.Min(input.Length, preface.Length);
        if (!input.AsSpan(0, length).SequenceEqual(preface[..length]))
        {
            return PrefaceMatch.Http1;
        }
        return length == preface.Length ? PrefaceMatch.Http2 : PrefaceMatch.Incomplete;
    }
}
