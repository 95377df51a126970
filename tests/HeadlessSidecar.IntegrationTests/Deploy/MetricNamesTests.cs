using System.Net;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Probes;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.IntegrationTests.Webhook;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>
/// Every metric the alerts and the dashboard read is one a real sidecar exports: the executable, with an Http
/// service (one of whose pods refuses connections, so requests fail over), a Tcp service probed by role and an
/// Http service over TLS, scraped on /metrics after traffic; the injector's names, from a running <c>webhook</c> executable.
/// </summary>
public sealed class MetricNamesTests : IDisposable
{
    // Exported by the `webhook` command, not by the sidecar: checked on a running webhook.
    private static readonly string[] WebhookNames =
    [
        "headless_sidecar_injector_admissions_total",
    ];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("headless-sidecar-names-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Scrape_AfterHttpAndTcpTraffic_ExportsEveryNameTheRulesAndDashboardUse()
    {
        var manifest = await Monitoring.RenderAsync(Ct);
        var used = Monitoring.Alerts(Monitoring.Rule(manifest)).Select(a => Manifest.RequiredText(a, "expr"))
            .Concat(Monitoring.DashboardExpressions(Monitoring.Dashboard(manifest)))
            .SelectMany(Monitoring.MetricNames)
            .Where(n => n != "up") // Prometheus's own, per target
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("dotnet_process_cpu_time_seconds_total", used);
        Assert.Contains("headless_sidecar_failovers_total", used);
        Assert.Contains("headless_sidecar_injector_admissions_total", used);

        await using var web = await LoopbackPodSet.StartAsync("web", 2, cancellationToken: Ct);
        var redisAddress = LoopbackAddresses.Next();
        await using var redis = await ProbeTarget.StartRedisAsync([], redisAddress, LoopbackAddresses.FreePort(redisAddress), Ct);
        using var pki = await TestPki.CreateAsync(Ct);
        await using var secure = await NginxTlsPod.StartAsync("secure-0", LoopbackAddresses.Next(),
            await pki.PodCertificateAsync("secure-0.secure-headless.default.svc.cluster.local", cancellationToken: Ct), cancellationToken: Ct);
        var zone = new ClusterZone { Ttl = 1, NegativeTtl = 1 };
        var webService = zone.AddService("nginx-headless", "default", ("web", web.Port));
        foreach (var pod in web.Pods)
        {
            webService.AddPod(pod.Name, pod.Address);
        }
        webService.AddPod("web-2", LoopbackAddresses.Next()); // listed, but nothing listens: connect errors, failovers
        zone.AddService("redis-headless", "default", ("redis", redis.EndPoint.Port)).AddPod("redis-0", redisAddress);
        zone.AddService("secure-headless", "default", ("https", secure.Port)).AddPod("secure-0", secure.Address);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var admin = SidecarProcess.UniqueAdminEndPoint();
        var webListen = FreeEndPoint();
        var redisListen = FreeEndPoint();
        var secureListen = FreeEndPoint();
        var config = Path.Combine(_directory.FullName, "sidecar.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Sidecar": {
                "Admin": { "Listen": "{{admin}}" },
                "Dns": { "Servers": [ "{{dns.EndPoint}}" ], "Search": [ "default.svc.cluster.local" ], "Ndots": 5, "MinRefresh": "200ms", "MaxRefresh": "1s" },
                "Services": {
                  "web": { "Host": "nginx-headless", "PortName": "web", "Listen": "{{webListen}}" },
                  "redis": { "Host": "redis-headless", "PortName": "redis", "Protocol": "Tcp", "Listen": "{{redisListen}}", "Role": "Primary",
                             "Health": { "Check": "Redis", "ProbeInterval": "200ms", "ProbeTimeout": "200ms" } },
                  "secure": { "Host": "secure-headless", "PortName": "https", "Listen": "{{secureListen}}",
                              "Tls": { "Mode": "Tls", "CaFile": "{{pki.RootCaPath}}" } } } } }
            """, Ct);
        await using var process = SidecarProcess.Start("run", "--config", config);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        await Poll.UntilAsync(async ct => (await client.GetAsync(new Uri($"http://{admin}/readyz"), ct)).StatusCode == HttpStatusCode.OK,
            "sidecar ready", TimeSpan.FromSeconds(30), process.Describe, Ct);

        for (var i = 0; i < 9; i++)
        {
            using var response = await client.GetAsync(new Uri($"http://{webListen}/"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        using (var response = await client.GetAsync(new Uri($"http://{secureListen}/"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await Poll.UntilAsync(async ct => await PingAsync(redisListen, ct) == "+PONG", "PING through the primary", TimeSpan.FromSeconds(20), process.Describe, Ct);

        string metrics = string.Empty;
        await Poll.UntilAsync(async ct =>
        {
            metrics = await client.GetStringAsync(new Uri($"http://{admin}/metrics"), ct);
            return Missing(used, metrics).All(WebhookNames.Contains);
        }, "every name exported", TimeSpan.FromSeconds(20), () => string.Join(", ", Missing(used, metrics)) + process.Describe() + "\nmetrics:\n" + metrics, Ct);

        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_failovers_total", ("service", "web"), ("from_pod", "web-2"), ("reason", "connect_error")) >= 1, metrics);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_pod_role", ("service", "redis"), ("pod", "redis-0"), ("role", "primary")));
        Assert.True(TestSidecar.Series(metrics, "dotnet_process_memory_working_set_bytes") > 0, metrics);
        Assert.True(TestSidecar.Series(metrics, "dotnet_process_cpu_time_seconds_total", ("cpu_mode", "user")) > 0, metrics);
        var (exit, output) = await Promtool.CheckMetricsAsync(metrics, Ct);
        Assert.True(exit == 0, $"promtool check metrics ({exit}):\n{output}");

        await using var webhook = await WebhookProcess.StartAsync([], Ct);
        var webhookMetrics = await webhook.MetricsAsync(Ct);
        Assert.Empty(Missing(WebhookNames, webhookMetrics));
        // HeadlessSidecarInjectorErrors reads result="error": exported (at 0) before any admission.
        Assert.Equal(0, TestSidecar.Series(webhookMetrics, "headless_sidecar_injector_admissions_total", ("result", "error")));
        (exit, output) = await Promtool.CheckMetricsAsync(webhookMetrics, Ct);
        Assert.True(exit == 0, $"promtool check metrics of the webhook ({exit}):\n{output}");
    }

    private static IEnumerable<string> Missing(IEnumerable<string> names, string metrics) =>
        names.Where(n => !metrics.Contains($"\n{n}{{", StringComparison.Ordinal) && !metrics.Contains($"\n{n} ", StringComparison.Ordinal));

    private static IPEndPoint FreeEndPoint()
    {
        var address = LoopbackAddresses.Next();
        return new IPEndPoint(address, LoopbackAddresses.FreePort(address));
    }

    private static async Task<string> PingAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endPoint, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.ASCII.GetString(buffer, 0, read).TrimEnd();
    }
}
