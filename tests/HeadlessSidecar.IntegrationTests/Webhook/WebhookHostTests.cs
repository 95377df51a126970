using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using HeadlessSidecar.Injection;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.Tests.Certificates;
using HeadlessSidecar.Tests.FileWatching;
using HeadlessSidecar.Webhook;

namespace HeadlessSidecar.IntegrationTests.Webhook;

/// <summary>Contract section 8's webhook over real HTTPS on loopback, its certificate in a kubelet-shaped Secret volume.</summary>
public sealed class WebhookHostTests
{
    private const string MetricName = "headless_sidecar_injector_admissions_total";
    private const string Uid = "705ab4f5-6393-11e8-b7cc-42010a800002";

    private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 Authority = TestCertificates.CreateAuthority();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Review(string uid = Uid) => """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"UID",
         "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
         "namespace":"default","operation":"CREATE",
         "object":{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"client-","namespace":"default"},
                   "spec":{"containers":[{"name":"app","image":"nginx"}]}}}}
        """.Replace("UID", uid, StringComparison.Ordinal);

    private static Task<TestWebhook> StartAsync() => TestWebhook.StartAsync(Authority, TestCertificates.CreateServer(Authority), Ct);

    [Fact]
    public async Task Inject_AdmissionReview_ReviewersAnswerReturnedAndCounted()
    {
        await using var webhook = await StartAsync();

        var (status, body) = await webhook.PostReviewAsync(Review(), Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        var seen = Assert.Single(webhook.Reviewer.Reviews);
        Assert.Equal(Uid, seen!["request"]!["uid"]!.GetValue<string>());
        Assert.Equal("Pod", seen["request"]!["object"]!["kind"]!.GetValue<string>());
        var response = JsonNode.Parse(body)!;
        Assert.Equal("AdmissionReview", response["kind"]!.GetValue<string>());
        Assert.Equal(Uid, response["response"]!["uid"]!.GetValue<string>());
        Assert.Equal("JSONPatch", response["response"]!["patchType"]!.GetValue<string>());
        Assert.Contains("\"patch\":\"W10=\"", body, StringComparison.Ordinal);

        var metrics = await webhook.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, MetricName, ("result", "injected")));
        Assert.Equal(0, TestSidecar.Series(metrics, MetricName, ("result", "skipped")));
        Assert.Equal(0, TestSidecar.Series(metrics, MetricName, ("result", "error")));
    }

    [Fact]
    public async Task Inject_BodyNotJson_AllowedWithWarningCountedError()
    {
        await using var webhook = await StartAsync();

        var (status, body) = await webhook.PostReviewAsync("{\"apiVersion\": \"admission.k8s.io/v1\", \"request\": ", Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(webhook.Reviewer.Reviews);
        var response = JsonNode.Parse(body)!["response"]!;
        Assert.True(response["allowed"]!.GetValue<bool>());
        Assert.Equal("", response["uid"]!.GetValue<string>());
        Assert.Null(response["patch"]);
        Assert.Contains("not injected", Assert.Single(response["warnings"]!.AsArray())!.GetValue<string>(), StringComparison.Ordinal);
        var metrics = await webhook.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, MetricName, ("result", "error")));
        Assert.Equal(0, TestSidecar.Series(metrics, MetricName, ("result", "injected")));
    }

    [Fact]
    public async Task Inject_ReviewerThrows_AllowedUnderItsUidCountedError()
    {
        await using var webhook = await StartAsync();
        webhook.Reviewer.Answer = _ => throw new InvalidDataException("engine bug");

        var (status, body) = await webhook.PostReviewAsync(Review("c0ffee"), Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        var response = JsonNode.Parse(body)!;
        Assert.Equal("admission.k8s.io/v1", response["apiVersion"]!.GetValue<string>());
        Assert.Equal("c0ffee", response["response"]!["uid"]!.GetValue<string>());
        Assert.True(response["response"]!["allowed"]!.GetValue<bool>());
        Assert.Equal(AdmissionEndpoint.FailedWarning, response["response"]!["warnings"]![0]!.GetValue<string>());
        Assert.Equal(1, TestSidecar.Series(await webhook.MetricsAsync(Ct), MetricName, ("result", "error")));
    }

    [Fact]
    public async Task Inject_ReviewerSkipsAndGetNotAllowed_CountedSkippedAnd405()
    {
        await using var webhook = await StartAsync();
        webhook.Reviewer.Answer = review => new AdmissionOutcome(FailOpenReview.Create(review, "opted out"), AdmissionResult.Skipped);

        var (status, _) = await webhook.PostReviewAsync(Review(), Ct);
        using var get = await webhook.Client.GetAsync("inject", Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(1, TestSidecar.Series(await webhook.MetricsAsync(Ct), MetricName, ("result", "skipped")));
    }

    [Fact]
    public async Task Metrics_FromStart_EveryResultAtZeroAndPromtoolClean()
    {
        await using var webhook = await StartAsync();

        var metrics = await webhook.MetricsAsync(Ct);

        foreach (var result in new[] { "injected", "skipped", "error" })
        {
            Assert.Equal(0, TestSidecar.Series(metrics, MetricName, ("result", result)));
        }
        var (exit, output) = await Promtool.CheckMetricsAsync(metrics, Ct);
        Assert.True(exit == 0, $"promtool check metrics failed ({exit}):\n{output}\n---\n{metrics}");
    }

    [Fact]
    public async Task HealthAndReadiness_Serving_200AndUnknownPath404()
    {
        await using var webhook = await StartAsync();

        using var health = await webhook.Client.GetAsync("healthz", Ct);
        using var ready = await webhook.Client.GetAsync("readyz", Ct);
        using var other = await webhook.Client.GetAsync("debug/peers", Ct);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Certificate_SecretRotatedBySymlinkSwap_NewConnectionsServedNewCertificateWithin15s()
    {
        var first = TestCertificates.CreateServer(Authority);
        await using var webhook = await TestWebhook.StartAsync(Authority, first, Ct);
        Assert.Equal(first.Certificate.Thumbprint, await webhook.ServedThumbprintAsync(Ct));

        var second = TestCertificates.CreateServer(Authority, format: TestKeyFormat.RsaPkcs1);
        var swapped = Stopwatch.StartNew();
        webhook.Volume.Update(TestWebhook.SecretFiles(second, Authority));
        await Poll.UntilAsync(async ct => await webhook.ServedThumbprintAsync(ct) == second.Certificate.Thumbprint,
            "the rotated certificate served to a new connection", TimeSpan.FromSeconds(15), cancellationToken: Ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"rotated certificate served after {swapped.ElapsedMilliseconds} ms");

        // The connection opened before the swap keeps working.
        using var health = await webhook.Client.GetAsync("healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Certificate_RotatedToBadKey_KeepsServingOldCertificate()
    {
        var first = TestCertificates.CreateServer(Authority);
        await using var webhook = await TestWebhook.StartAsync(Authority, first, Ct);

        var second = TestCertificates.CreateServer(Authority);
        webhook.Volume.Update(new Dictionary<string, string> { ["tls.crt"] = second.CertificatePem, ["tls.key"] = first.KeyPem });
        await Poll.UntilAsync(_ => Task.FromResult(webhook.Certificate.LastError is not null), "the mismatched pair refused",
            TimeSpan.FromSeconds(15), cancellationToken: Ct);
        Assert.Equal(first.Certificate.Thumbprint, await webhook.ServedThumbprintAsync(Ct));

        webhook.Volume.Update(new Dictionary<string, string> { ["tls.crt"] = second.CertificatePem, ["tls.key"] = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n" });
        await Poll.UntilAsync(_ => Task.FromResult(webhook.Certificate.LastError?.Contains("no PEM private key", StringComparison.Ordinal) == true),
            "the unreadable key refused", TimeSpan.FromSeconds(15), cancellationToken: Ct);
        Assert.Equal(first.Certificate.Thumbprint, await webhook.ServedThumbprintAsync(Ct));
        using var ready = await webhook.Client.GetAsync("readyz", Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public void Create_KeyFileMissing_StartExceptionNamingTheFlags()
    {
        var server = TestCertificates.CreateServer(Authority);
        using var volume = MountedVolume.Create(TestWebhook.SecretFiles(server, Authority));
        var options = new WebhookOptions
        {
            Listen = new IPEndPoint(LoopbackAddresses.Next(), 0),
            CertificateFile = volume.PathOf("tls.crt"),
            KeyFile = volume.PathOf("tls.missing"),
        };

        var ex = Assert.Throws<WebhookStartException>(() => WebhookHost.Create(options, new RecordingReviewer(), meterName: $"HeadlessSidecar.Test.{Guid.NewGuid():N}"));
        Assert.StartsWith("--tls-cert/--tls-key: no certificate loaded from", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("tls.missing' does not exist", ex.Message, StringComparison.Ordinal);
    }
}
