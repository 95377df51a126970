using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Admin;

/// <summary>
/// <c>/status</c>: one static HTML page, embedded in the binary, that reads <c>/debug/peers</c> from the browser
/// every two seconds. Nothing of the sidecar's state is rendered on the server, so the page never needs escaping
/// and its inline script can be pinned by hash in the Content-Security-Policy.
/// </summary>
internal static class StatusPage
{
    private const string ResourceName = "HeadlessSidecar.Admin.StatusPage.html";

    private static readonly Lazy<(byte[] Body, string Policy)> Page = new(Load);

    /// <summary>The page's bytes (UTF-8).</summary>
    public static ReadOnlyMemory<byte> Body => Page.Value.Body;

    /// <summary>Only the page's own script and styles run; it talks to its own origin and cannot be framed.</summary>
    public static string ContentSecurityPolicy => Page.Value.Policy;

    public static async Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.ContentLength = Body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(Body, context.RequestAborted);
        }
    }

    private static (byte[] Body, string Policy) Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var html = reader.ReadToEnd();
        var policy = $"default-src 'none'; script-src 'sha256-{InlineHash(html, "script")}'; style-src 'sha256-{InlineHash(html, "style")}'; "
            + "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return (Encoding.UTF8.GetBytes(html), policy);
    }

    /// <summary>The CSP hash of the page's one inline element <paramref name="tag"/>: exactly its text, as the browser hashes it.</summary>
    internal static string InlineHash(string html, string tag)
    {
        var open = $"<{tag}>";
        var start = html.IndexOf(open, StringComparison.Ordinal);
        var end = html.IndexOf($"</{tag}>", StringComparison.Ordinal);
        if (start < 0 || end < start || html.IndexOf(open, start + open.Length, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"The status page must have exactly one <{tag}> element.");
        }
        var text = html[(start + open.Length)..end];
        return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
