using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Webhook;

/// <summary><c>headless-sidecar webhook</c>'s command line as the executable sees it.</summary>
public sealed class WebhookProcessTests
{
    [Theory]
    [InlineData(new[] { "webhook", "--tls-key", "/tls/tls.key" }, "headless-sidecar: webhook: --tls-cert is required")]
    [InlineData(new[] { "webhook", "--tls-cert", "/tls/tls.crt" }, "headless-sidecar: webhook: --tls-key is required")]
    [InlineData(new[] { "webhook", "--listen", "0.0.0.0:84430", "--tls-cert", "c", "--tls-key", "k" }, "headless-sidecar: webhook: --listen: '0.0.0.0:84430' is not a valid address:port")]
    public async Task Webhook_BadCommandLine_Exits2WithOneLine(string[] args, string expected)
    {
        var (exit, output) = await SidecarProcess.RunAsync(args);

        Assert.Equal(2, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsWebhookAndAwait()
    {
        var (exit, output) = await SidecarProcess.RunAsync("--help");

        Assert.Equal(0, exit);
        Assert.Contains("headless-sidecar webhook [--listen ADDR:PORT] --tls-cert FILE --tls-key FILE", output, StringComparison.Ordinal);
        Assert.Contains("headless-sidecar await [--url URL] [--timeout DURATION]", output, StringComparison.Ordinal);
    }
}
