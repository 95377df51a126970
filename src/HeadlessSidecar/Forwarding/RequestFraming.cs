using System.Buffers;
using System.Text;
using HeadlessSidecar.Forwarding.Http1;
using HeadlessSidecar.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// Strict framing inbound: a request whose framing two parsers could read differently is refused, never
/// forwarded (HAProxy refuses the same). Kestrel rejects much itself (bare LF with our start-up switch, a final
/// coding other than chunked, whitespace in names); what it lets through is checked here: header names that are
/// not RFC 9110 tokens, control characters in values, <c>Content-Length</c> with <c>Transfer-Encoding</c> (Kestrel
/// keeps chunked and renames the length <c>X-Content-Length</c>, which would then be forwarded), and any
/// <c>Transfer-Encoding</c> other than one <c>chunked</c>.
/// </summary>
internal static class RequestFraming
{
    /// <summary>What Kestrel makes of a <c>Content-Length</c> that came with <c>Transfer-Encoding</c>.</summary>
    public const string RenamedContentLength = "X-Content-Length";

    // RFC 9110 5.5: a field value holds no control character but HTAB.
    private static readonly SearchValues<char> ControlChars =
        SearchValues.Create([.. Enumerable.Range(0, 0x20).Where(c => c != '\t').Select(c => (char)c), (char)0x7F]);

    /// <summary>The problem with this request's head, or null when it may be forwarded.</summary>
    public static FramingProblem? Check(HttpRequest request)
    {
        var http1 = HttpProtocol.IsHttp11(request.Protocol) || HttpProtocol.IsHttp10(request.Protocol);
        var headers = request.Headers;
        if (CheckFields(headers, pseudoAllowed: !http1) is { } fieldProblem)
        {
            return fieldProblem;
        }
        var codings = headers.TransferEncoding;
        if (codings.Count == 0)
        {
            return null;
        }
        if (!HttpProtocol.IsHttp11(request.Protocol))
        {
            return Bad($"Transfer-Encoding in an {request.Protocol} request");
        }
        if (headers.ContainsKey(HeaderNames.ContentLength) || headers.ContainsKey(RenamedContentLength))
        {
            return Bad("both Content-Length and Transfer-Encoding: the body's length is ambiguous (RFC 9112 6.3)");
        }
        return CheckCodings(codings);
    }

    private static FramingProblem? CheckFields(IHeaderDictionary headers, bool pseudoAllowed)
    {
        using var fields = new PooledHeaderFields(headers);
        foreach (var (name, values) in fields.Fields)
        {
            if (!IsFieldName(name, pseudoAllowed))
            {
                return Bad($"header name '{Printable(name)}' is not a token (RFC 9110 5.1)");
            }
            foreach (var value in values)
            {
                if (value is not null && value.AsSpan().ContainsAny(ControlChars))
                {
                    return Bad($"header '{name}' has a control character in its value");
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Only <c>chunked</c>, once, is forwarded. A list whose last coding is not chunked, that repeats chunked, or
    /// holds anything that is not a coding is malformed (400); a well-formed list with other codings before chunked
    /// (<c>gzip, chunked</c>) names what we do not implement (501, RFC 9112 6.1).
    /// </summary>
    public static FramingProblem? CheckCodings(StringValues values)
    {
        var chunked = 0;
        var last = "";
        string? unknown = null;
        foreach (var value in values)
        {
            var list = (value ?? "").AsSpan();
            foreach (var range in list.Split(','))
            {
                var element = list[range].Trim(" \t");
                var parameters = element.IndexOf(';');
                var coding = (parameters < 0 ? element : element[..parameters]).TrimEnd(" \t");
                if (coding.IsEmpty || coding.ContainsAnyExcept(Http1Syntax.TokenCharsUtf16))
                {
                    return Bad($"Transfer-Encoding '{Printable(value ?? "")}' is not a list of transfer codings");
                }
                last = coding.ToString();
                if (coding.Equals("chunked", StringComparison.OrdinalIgnoreCase))
                {
                    if (parameters >= 0)
                    {
                        return Bad("Transfer-Encoding: chunked takes no parameters");
                    }
                    chunked++;
                }
                else
                {
                    unknown ??= last;
                }
            }
        }
        if (chunked == 0 || !last.Equals("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return Bad($"Transfer-Encoding ends with '{Printable(last)}', not chunked: the body's length cannot be known (RFC 9112 6.3)");
        }
        if (chunked > 1)
        {
            return Bad("Transfer-Encoding applies chunked more than once");
        }
        return unknown is null
            ? null
            : new FramingProblem(ProxyError.NotImplemented, $"transfer coding '{Printable(unknown)}' is not implemented (only chunked is)");
    }

    private static bool IsFieldName(string name, bool pseudoAllowed)
    {
        var span = name.AsSpan();
        if (pseudoAllowed && span.StartsWith(':'))
        {
            span = span[1..];
        }
        return !span.IsEmpty && !span.ContainsAnyExcept(Http1Syntax.TokenCharsUtf16);
    }

    private static FramingProblem Bad(string detail) => new(ProxyError.BadRequest, detail);

    /// <summary>The text with every byte outside visible ASCII as <c>\xNN</c>: hostile names stay readable in answers and logs.</summary>
    private static string Printable(string text)
    {
        if (!text.AsSpan().ContainsAnyExceptInRange('!', '~'))
        {
            return text;
        }
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is >= '!' and <= '~' || c == ' ')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(c <= 0xFF ? @"\x" : @"\u").Append(((int)c).ToString(c <= 0xFF ? "X2" : "X4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }
}
