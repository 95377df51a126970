using System.Buffers;
using System.Text;
using HeadlessSidecar.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>
/// Writes the upstream request head: the method, the target in origin-form, <c>HTTP/1.1</c>, the given
/// <c>Host</c>, and the app's headers minus hop-by-hop ones, the names <c>Connection</c> lists, the routing
/// header and <c>Expect</c> (the body is sent at once; an interim 100 is skipped).
/// </summary>
internal static class Http1RequestWriter
{
    public static void WriteHead(IBufferWriter<byte> output, string method, string rawTarget, string host, IHeaderDictionary headers, Http1BodyFraming framing)
    {
        WriteLatin1(output, method);
        WriteBytes(output, " "u8);
        WriteLatin1(output, OriginForm(rawTarget));
        WriteBytes(output, " HTTP/1.1\r\nHost: "u8);
        WriteLatin1(output, host);
        WriteBytes(output, "\r\n"u8);
        var connection = headers.Connection;
        var listed = connection.Count > 0 && ListsOtherHeaders(connection) ? connection : default;
        using var fields = new PooledHeaderFields(headers);
        foreach (var (name, values) in fields.Fields)
        {
            if (IsHopByHopOrOurs(name) || listed.Count > 0 && IsListed(listed, name))
            {
                continue;
            }
            foreach (var value in values)
            {
                WriteLatin1(output, name);
                WriteBytes(output, ": "u8);
                WriteLatin1(output, value);
                WriteBytes(output, "\r\n"u8);
            }
        }
        if (framing == Http1BodyFraming.Chunked)
        {
            WriteBytes(output, "Transfer-Encoding: chunked\r\n"u8);
        }
        WriteBytes(output, "\r\n"u8);
    }

    /// <summary>An absolute-form target (an HTTP_PROXY client's) becomes path and query; others go as they came.</summary>
    public static ReadOnlySpan<char> OriginForm(string rawTarget)
    {
        if (rawTarget.Length == 0)
        {
            return "/";
        }
        if (rawTarget[0] == '/' || rawTarget == "*")
        {
            return rawTarget;
        }
        var scheme = rawTarget.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return rawTarget;
        }
        var rest = rawTarget.AsSpan(scheme + 3);
        var pathStart = rest.IndexOfAny('/', '?');
        if (pathStart < 0)
        {
            return "/";
        }
        return rest[pathStart] == '/' ? rest[pathStart..] : string.Concat("/", rest[pathStart..]);
    }

    /// <summary>Hop-by-hop headers (RFC 9110 7.6.1 and the usual extras), the routing header, and what we write ourselves.</summary>
    public static bool IsHopByHopOrOurs(string name) => name.Length switch
    {
        2 => name.Equals("TE", StringComparison.OrdinalIgnoreCase),
        4 => name.Equals("Host", StringComparison.OrdinalIgnoreCase),
        6 => name.Equals("Expect", StringComparison.OrdinalIgnoreCase),
        7 => name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase),
        10 => name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase),
        16 => name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase),
        17 => name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase),
        18 => name.Equals(RouteResolver.OrdinalHeader, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static bool ListsOtherHeaders(StringValues connection)
    {
        foreach (var value in connection)
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan()[range].Trim(" \t");
                if (!token.IsEmpty && !token.Equals("close", StringComparison.OrdinalIgnoreCase) && !token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static bool IsListed(StringValues connection, string name)
    {
        foreach (var value in connection)
        {
            if (value is not null && Http1Syntax.ListContains(value, name))
            {
                return true;
            }
        }
        return false;
    }

    private static void WriteBytes(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);

    private static void WriteLatin1(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        var span = output.GetSpan(text.Length);
        var written = Encoding.Latin1.GetBytes(text, span);
        output.Advance(written);
    }
}
