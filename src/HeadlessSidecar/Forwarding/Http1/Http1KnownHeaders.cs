using System.Collections.Frozen;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>
/// Response header names as Kestrel's own string instances (it matches those by reference first), so common
/// names cost no allocation; other names become new strings.
/// </summary>
internal static class Http1KnownHeaders
{
    private static readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Names = new[]
    {
        HeaderNames.AcceptRanges, HeaderNames.AccessControlAllowCredentials, HeaderNames.AccessControlAllowHeaders,
        HeaderNames.AccessControlAllowMethods, HeaderNames.AccessControlAllowOrigin, HeaderNames.AccessControlExposeHeaders,
        HeaderNames.AccessControlMaxAge, HeaderNames.Age, HeaderNames.Allow, HeaderNames.AltSvc, HeaderNames.CacheControl,
        HeaderNames.ContentDisposition, HeaderNames.ContentEncoding, HeaderNames.ContentLanguage, HeaderNames.ContentLocation,
        HeaderNames.ContentRange, HeaderNames.ContentSecurityPolicy, HeaderNames.ContentType, HeaderNames.Date, HeaderNames.ETag,
        HeaderNames.Expires, HeaderNames.GrpcEncoding, HeaderNames.GrpcMessage, HeaderNames.GrpcStatus, HeaderNames.LastModified,
        HeaderNames.Link, HeaderNames.Location, HeaderNames.Pragma, HeaderNames.ProxyAuthenticate, HeaderNames.RetryAfter,
        HeaderNames.Server, HeaderNames.SetCookie, HeaderNames.StrictTransportSecurity, HeaderNames.Vary, HeaderNames.Via,
        HeaderNames.WWWAuthenticate, HeaderNames.XContentTypeOptions, HeaderNames.XFrameOptions, HeaderNames.XPoweredBy,
        HeaderNames.XXSSProtection, SidecarTransformer.PodHeader,
    }.ToFrozenDictionary(static name => name, StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();

    // The names most servers send, in the case they send them: matched byte for byte before the case-blind lookup,
    // which converts the name to UTF-16 first (the lookup was ~1 % of an HTTP/1.1 request's CPU, issue 17).
    private static readonly (byte[] Bytes, string Name)[] Common =
    [
        .. new[] { HeaderNames.Date, HeaderNames.Server, HeaderNames.ContentType, HeaderNames.CacheControl, HeaderNames.ETag,
            HeaderNames.LastModified, HeaderNames.Vary, HeaderNames.AcceptRanges, HeaderNames.Expires, HeaderNames.SetCookie,
            HeaderNames.Location, HeaderNames.ContentEncoding }
            .Select(static name => (Encoding.ASCII.GetBytes(name), name)),
    ];

    public static string Get(ReadOnlySpan<byte> name)
    {
        foreach (var (bytes, known) in Common)
        {
            if (name.SequenceEqual(bytes))
            {
                return known;
            }
        }
        if (name.Length <= 64)
        {
            Span<char> chars = stackalloc char[name.Length];
            Ascii.ToUtf16(name, chars, out _);
            return Names.TryGetValue(chars, out var known) ? known : new string(chars);
        }
        return Encoding.ASCII.GetString(name);
    }
}
