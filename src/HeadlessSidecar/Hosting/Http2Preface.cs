using System.Buffers;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// The client connection preface of HTTP/2 with prior knowledge (RFC 9113 §3.4). No HTTP/1.x request line
/// can start with it, so its bytes alone tell the two protocols apart on one cleartext port.
/// </summary>
internal static class Http2Preface
{
    public static ReadOnlySpan<byte> Bytes => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public static PrefaceMatch Match(in ReadOnlySequence<byte> buffer)
    {
        var preface = Bytes;
        var length = (int)Math.Min(buffer.Length, preface.Length);
        if (length == 0)
        {
            return PrefaceMatch.Incomplete;
        }

        // The head nearly always sits in the first segment; a split head is copied to the stack, at most 24 bytes.
        var first = buffer.FirstSpan;
        Span<byte> scratch = stackalloc byte[preface.Length];
        scoped ReadOnlySpan<byte> head;
        if (first.Length >= length)
        {
            head = first[..length];
        }
        else
        {
            buffer.Slice(0, length).CopyTo(scratch);
            head = scratch[..length];
        }

        if (!head.SequenceEqual(preface[..length]))
        {
            return PrefaceMatch.Http1;
        }

        return length == preface.Length ? PrefaceMatch.Http2 : PrefaceMatch.Incomplete;
    }
}
