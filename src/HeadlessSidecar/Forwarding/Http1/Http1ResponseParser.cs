using System.Text;

namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>
/// A strict parser for an HTTP/1.x response head. Policy: lines end in CRLF (a bare LF is refused, as is a
/// lone CR); no obs-fold; header names are tokens with nothing between the name and the colon; values are
/// HTAB and visible ASCII; at most <see cref="MaxHeadBytes"/> bytes and <see cref="MaxHeaders"/> headers;
/// <c>Content-Length</c> is digits only, without overflow, and repeated copies must agree (a list is refused);
/// <c>Transfer-Encoding</c> must be exactly <c>chunked</c>, and never with a <c>Content-Length</c>.
/// The parser is restartable: it reads the whole buffered prefix each time and keeps no state.
/// </summary>
internal static class Http1ResponseParser
{
    public const int MaxHeadBytes = 64 * 1024;
    public const int MaxHeaders = 100;

    public static Http1ParseStatus TryParse(ReadOnlySpan<byte> input, Span<Http1HeaderRange> headers, out Http1ResponseHead head)
    {
        head = default;
        head.ContentLength = -1;
        var lineEnd = input.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return Incomplete(input, ref head);
        }
        if (!TryParseStatusLine(input[..lineEnd], ref head))
        {
            return Invalid(ref head, head.Error ?? "invalid status line");
        }
        var position = lineEnd + 1;
        while (true)
        {
            if (position > MaxHeadBytes)
            {
                return Invalid(ref head, "response head over 64 KiB");
            }
            lineEnd = input[position..].IndexOf((byte)'\n');
            if (lineEnd < 0)
            {
                return Incomplete(input, ref head);
            }
            var line = input.Slice(position, lineEnd);
            var lineStart = position;
            position += lineEnd + 1;
            if (line.Length == 0 || line[^1] != (byte)'\r')
            {
                return Invalid(ref head, "a header line does not end in CRLF");
            }
            line = line[..^1];
            if (line.IsEmpty)
            {
                break;
            }
            if (head.HeaderCount == MaxHeaders || head.HeaderCount == headers.Length)
            {
                return Invalid(ref head, "more than 100 response headers");
            }
            if (Http1Syntax.IsWhitespace(line[0]))
            {
                return Invalid(ref head, "obs-fold in a response header");
            }
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[..colon].ContainsAnyExcept(Http1Syntax.TokenChars))
            {
                return Invalid(ref head, "invalid response header name");
            }
            var name = line[..colon];
            var raw = line[(colon + 1)..];
            var value = Http1Syntax.TrimWhitespace(raw);
            if (value.ContainsAnyExcept(Http1Syntax.FieldValueChars))
            {
                return Invalid(ref head, "a control or non-ASCII character in a response header value");
            }
            var valueStart = lineStart + colon + 1 + LeadingWhitespace(raw);
            headers[head.HeaderCount++] = new Http1HeaderRange(lineStart, colon, valueStart, value.Length);
            if (!Interpret(name, value, ref head))
            {
                return Invalid(ref head, head.Error!);
            }
        }
        if (position > MaxHeadBytes)
        {
            return Invalid(ref head, "response head over 64 KiB");
        }
        if (head.Chunked && head.ContentLength >= 0)
        {
            return Invalid(ref head, "both Content-Length and Transfer-Encoding");
        }
        head.Length = position;
        return Http1ParseStatus.Complete;
    }

    private static Http1ParseStatus Incomplete(ReadOnlySpan<byte> input, ref Http1ResponseHead head) =>
        input.Length > MaxHeadBytes ? Invalid(ref head, "response head over 64 KiB") : Http1ParseStatus.Incomplete;

    private static Http1ParseStatus Invalid(ref Http1ResponseHead head, string error)
    {
        head.Error = error;
        return Http1ParseStatus.Invalid;
    }

    private static int LeadingWhitespace(ReadOnlySpan<byte> raw)
    {
        var count = 0;
        while (count < raw.Length && Http1Syntax.IsWhitespace(raw[count]))
        {
            count++;
        }
        return count;
    }

    /// <summary><c>HTTP/1.x SP 3DIGIT [SP reason] CRLF</c> (a missing reason is tolerated, as most clients do).</summary>
    private static bool TryParseStatusLine(ReadOnlySpan<byte> line, ref Http1ResponseHead head)
    {
        if (line.IsEmpty || line[^1] != (byte)'\r')
        {
            head.Error = "the status line does not end in CRLF";
            return false;
        }
        line = line[..^1];
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)line[7]) || line[8] != (byte)' ')
        {
            return false;
        }
        var d1 = line[9] - '0';
        var d2 = line[10] - '0';
        var d3 = line[11] - '0';
        if (d1 is < 1 or > 9 || d2 is < 0 or > 9 || d3 is < 0 or > 9)
        {
            return false;
        }
        if (line.Length > 12 && (line[12] != (byte)' ' || line[13..].ContainsAnyExcept(Http1Syntax.ReasonChars)))
        {
            return false;
        }
        head.MinorVersion = line[7] - '0';
        head.Status = d1 * 100 + d2 * 10 + d3;
        return true;
    }

    private static bool Interpret(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, ref Http1ResponseHead head)
    {
        if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            if (!TryParseContentLength(value, out var length))
            {
                head.Error = "invalid Content-Length";
                return false;
            }
            if (head.ContentLength >= 0 && head.ContentLength != length)
            {
                head.Error = "conflicting Content-Length values";
                return false;
            }
            head.ContentLength = length;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
        {
            // Only "chunked", once: any other coding would reach the app without the header that names it.
            if (head.Chunked || !Ascii.EqualsIgnoreCase(value, "chunked"u8))
            {
                head.Error = "unsupported Transfer-Encoding";
                return false;
            }
            head.Chunked = true;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
        {
            foreach (var range in value.Split((byte)','))
            {
                var token = Http1Syntax.TrimWhitespace(value[range]);
                if (Ascii.EqualsIgnoreCase(token, "close"u8))
                {
                    head.ConnectionClose = true;
                }
                else if (Ascii.EqualsIgnoreCase(token, "keep-alive"u8))
                {
                    head.ConnectionKeepAlive = true;
                }
                else if (!token.IsEmpty)
                {
                    head.ConnectionListsHeaders = true;
                }
            }
        }
        return true;
    }

    public static bool TryParseContentLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty)
        {
            return false;
        }
        foreach (var b in value)
        {
            var digit = b - '0';
            if (digit is < 0 or > 9 || length > (long.MaxValue - digit) / 10)
            {
                return false;
            }
            length = length * 10 + digit;
        }
        return true;
    }
}
