using System.Diagnostics;
using System.Globalization;
using System.Net;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.Tests.FileWatching;

namespace HeadlessSidecar.IntegrationTests.Tls;

/// <summary>
/// Contract section 9's rotation: the client's Secret is a kubelet-shaped volume whose <c>..data</c> symlink is
/// swapped, as cert-manager's renewal does, while the app keeps calling through the sidecar.
/// </summary>
public sealed class TlsRotationTests
{
    private static readonly TimeSpan LoadBound = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan PickUpBound = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void SetMounted(Dictionary<string, string?> settings, MountedVolume volume) =>
        TlsSettings.Set(settings, "MutualTls", volume.PathOf("ca.crt"), volume.PathOf("tls.crt"), volume.PathOf("tls.key"));

    private static async Task<string?> ClientSeenAsync(TestSidecar sidecar)
    {
        var (response, body) = await NginxTlsCluster.GetAsync(sidecar, "/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body?.GetProperty("client").GetString();
    }

    private static async Task<double?> ReloadsAsync(TestSidecar sidecar, string result) =>
        TestSidecar.Series(await sidecar.MetricsAsync(Ct), "headless_sidecar_tls_reloads_total", ("service", "web"), ("result", result));

    [Fact]
    public async Task ClientCertificateSwap_UnderRequestLoop_NoFailedRequestAndNewSubjectWithin10Seconds()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(2, Ct, clientVerification: TlsClientVerification.Required);
        var before = await cluster.Pki.IssueClientAsync("orders-app-v1", cancellationToken: Ct);
        var after = await cluster.Pki.IssueClientAsync("orders-app-v2", TlsKeyFormat.RsaPkcs1, cancellationToken: Ct);
        using var volume = MountedVolume.Create(before.SecretData);
        await using var sidecar = await cluster.StartSidecarAsync(s => SetMounted(s, volume), Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        Assert.Equal(TestPki.ClientSubject("orders-app-v1"), await ClientSeenAsync(sidecar));

        var oldSubject = TestPki.ClientSubject("orders-app-v1");
        var newSubject = TestPki.ClientSubject("orders-app-v2");
        var clock = Stopwatch.StartNew();
        long requests = 0, failed = 0, swappedAtTicks = 0, firstNewAtTicks = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(LoadBound);

        async Task WorkerAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref requests);
                try
                {
                    using var response = await sidecar.Client.GetAsync("/", stop.Token);
                    var text = await response.Content.ReadAsStringAsync(stop.Token);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref failed);
                        failures.Enqueue($"{(int)response.StatusCode} {text}");
                    }
                    else if (text.Contains(newSubject, StringComparison.Ordinal) && Volatile.Read(ref swappedAtTicks) != 0)
                    {
                        Interlocked.CompareExchange(ref firstNewAtTicks, clock.ElapsedTicks, 0);
                    }
                    else if (!text.Contains(oldSubject, StringComparison.Ordinal) && !text.Contains(newSubject, StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref failed);
                        failures.Enqueue("neither subject: " + text);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    Interlocked.Decrement(ref requests);
                }
                catch (HttpRequestException e)
                {
                    Interlocked.Increment(ref failed);
                    failures.Enqueue(e.Message);
                }
            }
        }

        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(WorkerAsync, Ct)).ToArray();
        await Poll.UntilAsync(_ => Task.FromResult(Interlocked.Read(ref requests) >= 200), "load before the swap", cancellationToken: Ct);
        volume.Update(after.SecretData);
        Volatile.Write(ref swappedAtTicks, clock.ElapsedTicks);
        await Poll.UntilAsync(_ => Task.FromResult(Volatile.Read(ref firstNewAtTicks) != 0), "a request made with the new client certificate",
            PickUpBound, cancellationToken: Ct);
        // Keep the load on while the connections made with the old certificate retire.
        var retireUntil = clock.Elapsed + TimeSpan.FromSeconds(3);
        await Poll.UntilAsync(_ => Task.FromResult(clock.Elapsed >= retireUntil || stop.IsCancellationRequested), "the retirement window", cancellationToken: Ct);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var seconds = (double)(firstNewAtTicks - swappedAtTicks) / Stopwatch.Frequency;
        var figures = string.Create(CultureInfo.InvariantCulture,
            $"rotation under load: {requests} requests, {failed} failed, new client certificate seen {seconds:0.00} s after the swap");
        TestContext.Current.TestOutputHelper?.WriteLine(figures);
        Assert.True(failed == 0, figures + Environment.NewLine + string.Join(Environment.NewLine, failures.Take(10)));
        Assert.True(seconds <= 10, figures);

        // Every connection now is new or retired-and-replaced: the old subject is gone for good.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(newSubject, await ClientSeenAsync(sidecar));
        }
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_tls_reloads_total", ("service", "web"), ("result", "success")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tls_reloads_total", ("service", "web"), ("result", "failure")));
        Assert.Equal(after.NotAfter.ToUnixTimeSeconds(),
            TestSidecar.Series(metrics, "headless_sidecar_tls_certificate_expiry_timestamp_seconds", ("service", "web"), ("kind", "client")));
    }

    [Fact]
    public async Task BadSwaps_KeyMismatchThenExpired_RefusedAndCounted_OldCertificateServesNewConnections()
    {
        // Every request is a new connection (and handshake): what it presents is the material in use now.
        await using var cluster = await NginxTlsCluster.StartAsync(1, Ct, clientVerification: TlsClientVerification.Required, keepAliveRequests: 1);
        var good = await cluster.Pki.IssueClientAsync("orders-app-v1", cancellationToken: Ct);
        var renewed = await cluster.Pki.IssueClientAsync("orders-app-v2", cancellationToken: Ct);
        var other = await cluster.Pki.IssueClientAsync("someone-else", cancellationToken: Ct);
        var expired = await cluster.Pki.IssueClientAsync("orders-app-expired", expired: true, cancellationToken: Ct);
        using var volume = MountedVolume.Create(good.SecretData);
        await using var sidecar = await cluster.StartSidecarAsync(s => SetMounted(s, volume), Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        Assert.Equal(TestPki.ClientSubject("orders-app-v1"), await ClientSeenAsync(sidecar));

        volume.Update(new Dictionary<string, string>
        {
            ["tls.crt"] = renewed.CertificatePem,
            ["tls.key"] = other.KeyPem,
            ["ca.crt"] = renewed.CaPem,
        });
        await sidecar.WaitUntilAsync(async _ => await ReloadsAsync(sidecar, "failure") == 1, "the mismatched key refused", Ct);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(TestPki.ClientSubject("orders-app-v1"), await ClientSeenAsync(sidecar));
        }

        volume.Update(expired.SecretData);
        await sidecar.WaitUntilAsync(async _ => await ReloadsAsync(sidecar, "failure") == 2, "the expired certificate refused", Ct);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(TestPki.ClientSubject("orders-app-v1"), await ClientSeenAsync(sidecar));
        }
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(good.NotAfter.ToUnixTimeSeconds(),
            TestSidecar.Series(metrics, "headless_sidecar_tls_certificate_expiry_timestamp_seconds", ("service", "web"), ("kind", "client")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tls_reloads_total", ("service", "web"), ("result", "success")));

        // A good swap after the bad ones is taken.
        volume.Update(renewed.SecretData);
        await sidecar.WaitUntilAsync(async _ => await ClientSeenAsync(sidecar) == TestPki.ClientSubject("orders-app-v2"), "the renewed certificate in use", Ct);
        Assert.Equal(1, await ReloadsAsync(sidecar, "success"));
        Assert.Equal(2, await ReloadsAsync(sidecar, "failure"));
    }
}
