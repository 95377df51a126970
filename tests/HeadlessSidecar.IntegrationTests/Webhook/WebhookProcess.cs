using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.Tests.Certificates;
using HeadlessSidecar.Tests.FileWatching;

namespace HeadlessSidecar.IntegrationTests.Webhook;

/// <summary>
/// The real <c>headless-sidecar webhook</c> executable on a loopback address of its own, with the real injection
/// engine behind <c>/inject</c> and a certificate signed by a CA of the test's own, from a kubelet-shaped Secret volume.
/// </summary>
internal sealed class WebhookProcess : IAsyncDisposable
{
    private WebhookProcess(ProcessRunner process, MountedVolume volume, Uri baseAddress, HttpClient client)
    {
        Process = process;
        Volume = volume;
        BaseAddress = baseAddress;
        Client = client;
    }

    public ProcessRunner Process { get; }

    public MountedVolume Volume { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client that trusts only the test CA.</summary>
    public HttpClient Client { get; }

    /// <summary>Starts the webhook with <paramref name="injectorFlags"/> (<c>--mode</c>, <c>--image</c>, <c>--config-map</c>)
    /// and returns once it answers <c>/healthz</c>.</summary>
    public static async Task<WebhookProcess> StartAsync(string[] injectorFlags, CancellationToken cancellationToken)
    {
        var authority = TestCertificates.CreateAuthority();
        var volume = MountedVolume.Create(TestWebhook.SecretFiles(TestCertificates.CreateServer(authority), authority));
        var address = LoopbackAddresses.Next();
        var listen = new IPEndPoint(address, LoopbackAddresses.FreePort(address));
        var process = SidecarProcess.Start(["webhook", "--listen", listen.ToString(),
            "--tls-cert", volume.PathOf("tls.crt"), "--tls-key", volume.PathOf("tls.key"), .. injectorFlags]);
        var baseAddress = new Uri($"https://{listen}/");
        var client = TestWebhook.NewClient(baseAddress, authority, new StrongBox<X509Certificate2?>());
        var webhook = new WebhookProcess(process, volume, baseAddress, client);
        try
        {
            await Poll.UntilAsync(async ct =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException("the webhook exited" + process.Describe());
                }
                try
                {
                    using var response = await client.GetAsync("healthz", ct);
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "webhook serving /healthz", TimeSpan.FromSeconds(30), process.Describe, cancellationToken);
        }
        catch
        {
            await webhook.DisposeAsync();
            throw;
        }
        return webhook;
    }

    public async Task<(HttpStatusCode Status, string Body)> PostReviewAsync(string body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync("inject", content, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public Task<string> MetricsAsync(CancellationToken cancellationToken) => Client.GetStringAsync("metrics", cancellationToken);

    /// <summary>Sends SIGTERM and returns the exit code; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await SidecarProcess.SignalAsync(Process.Id, "TERM");
        return await Process.WaitForExitAsync(timeout, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await Process.DisposeAsync();
        }
        finally
        {
            Volume.Dispose();
        }
    }
}
