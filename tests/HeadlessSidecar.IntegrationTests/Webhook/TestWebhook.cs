using System.Net;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HeadlessSidecar.Certificates;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.Tests.Certificates;
using HeadlessSidecar.Tests.FileWatching;
using HeadlessSidecar.Webhook;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.IntegrationTests.Webhook;

/// <summary>
/// The webhook in-process on a loopback address of its own, serving a certificate from a volume laid out as the
/// kubelet mounts a <c>kubernetes.io/tls</c> Secret, with a <see cref="RecordingReviewer"/> behind <c>/inject</c>.
/// </summary>
internal sealed class TestWebhook : IAsyncDisposable
{
    private readonly WebhookHost _host;

    private TestWebhook(WebhookHost host, MountedVolume volume, X509Certificate2 authority, RecordingReviewer reviewer)
    {
        _host = host;
        Volume = volume;
        Authority = authority;
        Reviewer = reviewer;
        BaseAddress = new Uri($"https://{host.EndPoint}/");
        Client = NewClient(out _);
    }

    public MountedVolume Volume { get; }

    public X509Certificate2 Authority { get; }

    public RecordingReviewer Reviewer { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client that trusts the test CA and keeps its connection.</summary>
    public HttpClient Client { get; }

    public ReloadingCertificate Certificate => _host.Services.GetRequiredService<ReloadingCertificate>();

    public static Dictionary<string, string> SecretFiles(TestCertificate certificate, X509Certificate2 authority) =>
        new() { ["tls.crt"] = certificate.CertificatePem, ["tls.key"] = certificate.KeyPem, ["ca.crt"] = authority.ExportCertificatePem() };

    public static async Task<TestWebhook> StartAsync(X509Certificate2 authority, TestCertificate certificate, CancellationToken cancellationToken = default)
    {
        var volume = MountedVolume.Create(SecretFiles(certificate, authority));
        var reviewer = new RecordingReviewer();
        var address = LoopbackAddresses.Next();
        var options = new WebhookOptions
        {
            Listen = new IPEndPoint(address, 0),
            CertificateFile = volume.PathOf("tls.crt"),
            KeyFile = volume.PathOf("tls.key"),
        };
        var output = TestContext.Current.TestOutputHelper;
        WebhookHost host;
        try
        {
            host = WebhookHost.Create(options, reviewer, services =>
            {
                if (output is not null)
                {
                    services.AddLogging(logging => logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output)));
                }
            }, meterName: $"HeadlessSidecar.Test.{Guid.NewGuid():N}");
        }
        catch
        {
            volume.Dispose();
            throw;
        }
        await host.StartAsync(cancellationToken);
        return new TestWebhook(host, volume, authority, reviewer);
    }

    /// <summary>A new client (so a new TLS connection) that trusts only the test CA; <paramref name="served"/> tells
    /// which certificate the server presented.</summary>
    public HttpClient NewClient(out StrongBox<X509Certificate2?> served)
    {
        served = new StrongBox<X509Certificate2?>();
        return NewClient(BaseAddress, Authority, served);
    }

    /// <summary>A client of <paramref name="baseAddress"/> that trusts only <paramref name="authority"/>; <paramref name="served"/>
    /// receives the certificate the server presented.</summary>
    public static HttpClient NewClient(Uri baseAddress, X509Certificate2 authority, StrongBox<X509Certificate2?> served)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }
                    var leaf = new X509Certificate2(certificate);
                    served.Value = leaf;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(authority);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    chain.ChainPolicy.DisableCertificateDownloads = true;
                    // The name is the Service's; the test dials an address, so only the chain is checked.
                    return chain.Build(leaf);
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The thumbprint of the certificate a brand-new TLS connection is served.</summary>
    public async Task<string> ServedThumbprintAsync(CancellationToken cancellationToken)
    {
        using var client = NewClient(out var served);
        using var response = await client.GetAsync("healthz", cancellationToken);
        response.EnsureSuccessStatusCode();
        return served.Value!.Thumbprint;
    }

    public async Task<(HttpStatusCode Status, string Body)> PostReviewAsync(string body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync("inject", content, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public Task<string> MetricsAsync(CancellationToken cancellationToken) => Client.GetStringAsync("metrics", cancellationToken);

    public Task StopAsync() => _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            await _host.DisposeAsync();
            Volume.Dispose();
        }
    }
}
