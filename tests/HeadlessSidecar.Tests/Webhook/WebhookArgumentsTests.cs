using System.Net;
using HeadlessSidecar.Injection;
using HeadlessSidecar.Webhook;

namespace HeadlessSidecar.Tests.Webhook;

public sealed class WebhookArgumentsTests
{
    [Fact]
    public void TryParse_CertAndKeyOnly_DefaultsToAllAddressesPort8443()
    {
        Assert.True(WebhookArguments.TryParse(["--tls-cert", "/tls/tls.crt", "--tls-key", "/tls/tls.key"], out var options, out var error), error);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 8443), options!.Listen);
        Assert.Equal("/tls/tls.crt", options.CertificateFile);
        Assert.Equal("/tls/tls.key", options.KeyFile);
        Assert.Equal(new InjectorDefaults(), options.Defaults);
    }

    [Fact]
    public void TryParse_AllFlagsBothSpellings_Applied()
    {
        Assert.True(WebhookArguments.TryParse(
            ["--listen=127.0.0.1:9443", "--tls-cert=c.pem", "--tls-key", "k.pem", "--mode", "classic", "--image=reg/hs:1", "--config-map", "cm"],
            out var options, out var error), error);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9443), options!.Listen);
        Assert.Equal("c.pem", options.CertificateFile);
        Assert.Equal("k.pem", options.KeyFile);
        Assert.Equal(new InjectorDefaults { Mode = InjectionMode.Classic, Image = "reg/hs:1", ConfigMap = "cm" }, options.Defaults);
    }

    [Theory]
    [InlineData(new[] { "--tls-key", "k" }, "--tls-cert is required")]
    [InlineData(new[] { "--tls-cert", "c" }, "--tls-key is required")]
    [InlineData(new[] { "--tls-cert", "c", "--tls-key", "k", "--listen", "0.0.0.0:99999" }, "--listen: '0.0.0.0:99999' is not a valid address:port")]
    [InlineData(new[] { "--tls-cert", "c", "--tls-key", "k", "--listen", "somewhere:8443" }, "--listen: 'somewhere:8443' is not a valid address:port")]
    [InlineData(new[] { "--tls-cert", "c", "--tls-key" }, "--tls-key needs a value")]
    [InlineData(new[] { "--tls-cert", "c", "--tls-key", "k", "--mode", "sidecar" }, "--mode: 'sidecar' is not 'native' or 'classic'")]
    [InlineData(new[] { "--tls-cert", "c", "--tls-key", "k", "--port", "1" }, "unknown argument '--port'")]
    public void TryParse_BadLine_OneLineNamingTheFlag(string[] args, string expected)
    {
        Assert.False(WebhookArguments.TryParse(args, out var options, out var error));
        Assert.Null(options);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error!);
    }

    [Fact]
    public void TryParse_Help_NoOptionsNoError()
    {
        Assert.True(WebhookArguments.TryParse(["--help"], out var options, out var error));
        Assert.Null(options);
        Assert.Null(error);
    }
}
