using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HeadlessSidecar.Admin;

namespace HeadlessSidecar.Tests.Admin;

public partial class StatusPageTests
{
    private static string Html => Encoding.UTF8.GetString(StatusPage.Body.Span);

    [Fact]
    public void Body_EmbeddedPage_IsOneSelfContainedDocument()
    {
        var html = Html;
        Assert.StartsWith("<!doctype html>", html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        // No external assets: nothing loaded from another origin, no script or stylesheet files.
        Assert.DoesNotMatch(ExternalReference(), html);
        Assert.DoesNotContain("<script src", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("rel=\"stylesheet\"", html, StringComparison.OrdinalIgnoreCase);
        // It reads the peers relative to itself, so it also works behind a path prefix (kubectl proxy).
        Assert.Contains("fetch(\"debug/peers\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Body_Tables_HaveColumnHeadersAndStateAsText()
    {
        var html = Html;
        Assert.Contains("scope: \"col\"", html, StringComparison.Ordinal);
        Assert.Contains("el(\"caption\"", html, StringComparison.Ordinal);
        // State is written out, not shown by colour alone.
        Assert.Contains("pod.state]", html, StringComparison.Ordinal);
        Assert.Contains("role=\"status\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("script")]
    [InlineData("style")]
    public void ContentSecurityPolicy_PinsTheInlineElementByItsHash(string tag)
    {
        var html = Html;
        var open = $"<{tag}>";
        var start = html.IndexOf(open, StringComparison.Ordinal) + open.Length;
        var text = html[start..html.IndexOf($"</{tag}>", StringComparison.Ordinal)];
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

        Assert.Contains($"{tag}-src 'sha256-{hash}'", StatusPage.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", StatusPage.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", StatusPage.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", StatusPage.ContentSecurityPolicy, StringComparison.Ordinal);
    }

    [Fact]
    public void InlineHash_TwoScriptElements_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => StatusPage.InlineHash("<script>a</script><script>b</script>", "script"));
        Assert.Throws<InvalidOperationException>(() => StatusPage.InlineHash("<p>no script</p>", "script"));
    }

    [GeneratedRegex(@"(src|href)\s*=\s*[""']?(https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
