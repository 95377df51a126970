using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Reload;

/// <summary>
/// Contract section 10's triggers through the real executable, in front of the real Knot DNS server and loopback
/// pods: file changes (in place and by a ConfigMap's <c>..data</c> swap), SIGHUP, what is not a reload, what keeps
/// winning over the files, and the metrics, logs and <c>/debug/config</c> that show it.
/// </summary>
public sealed class ConfigurationReloadTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task AssertServesAsync(ReloadingSidecar sidecar)
    {
        using var response = await sidecar.Client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Start_ReloadMetrics_ExportedAtZeroAndLastSuccessfulOne()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(cancellationToken: Ct);

        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_config_reloads_total", ("result", "success")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_config_reloads_total", ("result", "failure")));
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_config_last_reload_successful"));
        var (exit, lint) = await Promtool.CheckMetricsAsync(metrics, Ct);
        Assert.True(exit == 0, $"promtool check metrics failed ({exit}):\n{lint}");
    }

    [Fact]
    public async Task FileChange_InvalidThenFixed_FailureKeepsTheRunningConfigurationThenApplies()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(cancellationToken: Ct);

        await sidecar.WriteAsync(c => c["Services"]!["web"]!["LoadBalancing"] = "Fastest", Ct);
        await sidecar.WaitForReloadsAsync(success: 0, failure: 1, cancellationToken: Ct);

        Assert.Equal(0, (await sidecar.ReloadMetricsAsync(Ct)).LastSuccessful);
        // Each problem on a log line of its own, as `validate` prints it.
        await sidecar.WaitForLogAsync("] Sidecar:Services:web:LoadBalancing: 'Fastest' is not one of", Ct);
        Assert.Contains("Configuration reload failed (file change): 1 problem(s), the running configuration is unchanged.", sidecar.Log, StringComparison.Ordinal);
        Assert.Equal("PeakEwma", await sidecar.WebSettingAsync("LoadBalancing", Ct));
        await AssertServesAsync(sidecar);

        var written = Stopwatch.StartNew();
        await sidecar.WriteAsync(c => c["Services"]!["web"]!["LoadBalancing"] = "LeastRequests", Ct);
        await sidecar.WaitForReloadsAsync(success: 1, failure: 1, cancellationToken: Ct);
        var applied = written.Elapsed;

        Assert.True(applied < TimeSpan.FromSeconds(5), $"applied {applied.TotalSeconds:F1} s after the write; the contract allows 5 s");
        Assert.Equal(1, (await sidecar.ReloadMetricsAsync(Ct)).LastSuccessful);
        Assert.Equal("LeastRequests", await sidecar.WebSettingAsync("LoadBalancing", Ct));
        // One line per reload, with what changed by service.
        await sidecar.WaitForLogAsync("Configuration reloaded (file change): service web: LoadBalancing.", Ct);
        await AssertServesAsync(sidecar);
        var metrics = await sidecar.MetricsAsync(Ct);
        var (exit, lint) = await Promtool.CheckMetricsAsync(metrics, Ct);
        Assert.True(exit == 0, $"promtool check metrics failed ({exit}):\n{lint}");
        output.WriteLine($"fixed file applied {applied.TotalSeconds:F2} s after the write");
    }

    [Fact]
    public async Task FileDeleted_FailedReloadThatChangesNothing()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(cancellationToken: Ct);

        File.Delete(sidecar.ConfigPath);
        await sidecar.WaitForReloadsAsync(success: 0, failure: 1, cancellationToken: Ct);
        await sidecar.WaitForLogAsync($"--config: '{sidecar.ConfigPath}' does not exist", Ct);
        Assert.Equal(sidecar.AppEndPoint.ToString(), await sidecar.WebSettingAsync("Listen", Ct));
        await AssertServesAsync(sidecar);

        await sidecar.WriteAsync(c => c["Services"]!["web"]!["Retry"] = new JsonObject { ["MaxAttempts"] = 4 }, Ct);
        await sidecar.WaitForReloadsAsync(success: 1, failure: 1, cancellationToken: Ct);
        Assert.Equal("4", await sidecar.WebSettingAsync("Retry:MaxAttempts", Ct));
        Assert.Equal(1, (await sidecar.ReloadMetricsAsync(Ct)).LastSuccessful);
    }

    [Fact]
    public async Task ConfigMapSwap_DataSymlinkSwapped_AppliedWithin10Seconds()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(configMap: true, cancellationToken: Ct);
        Assert.NotNull(new FileInfo(sidecar.ConfigPath).LinkTarget);

        var swapped = Stopwatch.StartNew();
        await sidecar.WriteAsync(c => c["Services"]!["web"]!["Timeouts"] = new JsonObject { ["Request"] = "00:00:30" }, Ct);
        await sidecar.WaitForReloadsAsync(success: 1, failure: 0, cancellationToken: Ct);
        var applied = swapped.Elapsed;

        Assert.True(applied < TimeSpan.FromSeconds(10), $"applied {applied.TotalSeconds:F1} s after the swap; the contract allows 10 s");
        Assert.Equal("00:00:30", await sidecar.WebSettingAsync("Timeouts:Request", Ct));
        await AssertServesAsync(sidecar);

        // A second swap: the kubelet deleted the directory the first one led to.
        await sidecar.WriteAsync(c => c["Services"]!["web"]!["Timeouts"] = new JsonObject { ["Request"] = "00:00:45" }, Ct);
        await sidecar.WaitForReloadsAsync(success: 2, failure: 0, cancellationToken: Ct);
        Assert.Equal("00:00:45", await sidecar.WebSettingAsync("Timeouts:Request", Ct));
        output.WriteLine($"symlink swap applied {applied.TotalSeconds:F2} s after the swap");
    }

    [Fact]
    public async Task Sighup_ReadsTheFilesAgainAndKeepsRunning()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(cancellationToken: Ct);

        await sidecar.SignalAsync("HUP");
        await sidecar.WaitForReloadsAsync(success: 1, failure: 0, cancellationToken: Ct);
        await sidecar.WaitForLogAsync("Configuration reloaded (SIGHUP)", Ct);
        Assert.False(sidecar.Process.HasExited);
        await AssertServesAsync(sidecar);

        // A burst of signals is one reload.
        await sidecar.SignalAsync("HUP");
        await sidecar.SignalAsync("HUP");
        await sidecar.SignalAsync("HUP");
        await sidecar.WaitForReloadsAsync(success: 2, failure: 0, cancellationToken: Ct);
        Assert.False(sidecar.Process.HasExited);
    }

    [Fact]
    public async Task FileChange_SameContentRewritten_IsNoReloadAndNotCounted()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(cancellationToken: Ct);

        await sidecar.WriteRawAsync(sidecar.Rendered, Ct);
        File.SetLastWriteTimeUtc(sidecar.ConfigPath, DateTime.UtcNow.AddMinutes(1));
        // Nothing should happen, so nothing can be awaited: let three polls and a quiet period pass, then look.
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        var (success, failure, _) = await sidecar.ReloadMetricsAsync(Ct);
        Assert.Equal((0, 0), (success, failure));
        Assert.DoesNotContain("Configuration reloaded", sidecar.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Configuration reload failed", sidecar.Log, StringComparison.Ordinal);

        // The watcher still sees a real change, and counts it once.
        await sidecar.WriteAsync(c => c["AccessLog"] = true, Ct);
        await sidecar.WaitForReloadsAsync(success: 1, failure: 0, cancellationToken: Ct);
    }

    [Fact]
    public async Task FileChange_EnvironmentAndCommandLineOverrides_StillWin()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(
            environment: new Dictionary<string, string> { ["Sidecar__Services__web__LoadBalancing"] = "LeastRequests" },
            overrides: ["--Sidecar:Services:web:Retry:MaxAttempts=5"], cancellationToken: Ct);
        Assert.Equal("LeastRequests", await sidecar.WebSettingAsync("LoadBalancing", Ct));

        await sidecar.WriteAsync(c =>
        {
            var web = c["Services"]!["web"]!;
            web["LoadBalancing"] = "PowerOfTwoChoices";
            web["Retry"] = new JsonObject { ["MaxAttempts"] = 2, ["BudgetPercent"] = 30 };
        }, Ct);
        await sidecar.WaitForReloadsAsync(success: 1, failure: 0, cancellationToken: Ct);

        Assert.Equal("LeastRequests", await sidecar.WebSettingAsync("LoadBalancing", Ct));
        Assert.Equal("5", await sidecar.WebSettingAsync("Retry:MaxAttempts", Ct));
        // Only what the file could still change changed.
        await sidecar.WaitForLogAsync("Configuration reloaded (file change): service web: Retry.", Ct);
        // What no override names comes from the file.
        Assert.Equal("30", await sidecar.WebSettingAsync("Retry:BudgetPercent", Ct));
    }

    [Fact]
    public async Task FileChange_AdminListen_LoggedAsNeedingARestartAndLeftAlone()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(cancellationToken: Ct);
        var moved = SidecarProcess.UniqueAdminEndPoint();

        await sidecar.WriteAsync(c =>
        {
            c["Admin"]!["Listen"] = moved.ToString();
            c["Services"]!["web"]!["Retry"] = new JsonObject { ["MaxAttempts"] = 4 };
        }, Ct);
        await sidecar.WaitForReloadsAsync(success: 1, failure: 0, cancellationToken: Ct);

        await sidecar.WaitForLogAsync("Sidecar:Admin:Listen changed but apply only at a restart", Ct);
        // The rest of the change applied; the admin port stays where it was.
        Assert.Equal("4", await sidecar.WebSettingAsync("Retry:MaxAttempts", Ct));
        await sidecar.WaitForLogAsync("Configuration reloaded (file change): service web: Retry.", Ct);
        var effective = (await sidecar.DebugConfigAsync(Ct)).GetProperty("Sidecar").GetProperty("Admin").GetProperty("Listen").GetString();
        Assert.Equal(sidecar.AdminEndPoint.ToString(), effective);
        Assert.True(await Poll.AcceptsTcpAsync(sidecar.AdminEndPoint, Ct));
        Assert.False(await Poll.AcceptsTcpAsync(moved, Ct));
        Assert.Equal(1, (await sidecar.ReloadMetricsAsync(Ct)).LastSuccessful);
    }

    [Fact]
    public async Task DebugConfig_EffectiveConfigurationForLoopbackClients_PathsButNoSecrets()
    {
        var directory = Directory.CreateTempSubdirectory("headless-sidecar-credentials-");
        try
        {
            var credentials = Path.Combine(directory.FullName, "credentials");
            await File.WriteAllTextAsync(credentials, "probe:s3cret-password-7\n", Ct);
            await using var sidecar = await ReloadingSidecar.StartAsync(
                service: new JsonObject { ["Health"] = new JsonObject { ["CredentialsFile"] = credentials } }, cancellationToken: Ct);

            using var response = await sidecar.AdminClient.GetAsync("debug/config", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            using var json = JsonDocument.Parse(body);
            Assert.Contains(sidecar.ConfigPath, json.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
            var root = json.RootElement.GetProperty("Sidecar");
            Assert.Equal(sidecar.AdminEndPoint.ToString(), root.GetProperty("Admin").GetProperty("Listen").GetString());
            Assert.Equal([sidecar.Cluster.Dns.EndPoint.ToString()], root.GetProperty("Dns").GetProperty("Servers").EnumerateArray().Select(s => s.GetString()));
            // Defaults the file never set.
            Assert.Equal("00:00:00", root.GetProperty("DrainDelay").GetString());
            Assert.Equal(1024, root.GetProperty("Limits").GetProperty("MaxConnectionsPerListener").GetInt32());
            var web = root.GetProperty("Services").GetProperty("web");
            Assert.Equal(sidecar.AppEndPoint.ToString(), web.GetProperty("Listen").GetString());
            Assert.Equal(3, web.GetProperty("Retry").GetProperty("MaxAttempts").GetInt32());
            Assert.Equal("Disabled", web.GetProperty("Tls").GetProperty("Mode").GetString());
            Assert.Equal(credentials, web.GetProperty("Health").GetProperty("CredentialsFile").GetString());
            Assert.DoesNotContain("s3cret", body, StringComparison.Ordinal);
            // Read-only.
            using var post = await sidecar.AdminClient.PostAsync("debug/config", new StringContent("{}"), Ct);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task FileChange_TwentyReloadsUnderFourConnectionLoad_NoRequestFails()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(pods: 3, cancellationToken: Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var requests = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            // One keep-alive connection per worker: the app's pooled connections live through every reload.
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1 })
            {
                BaseAddress = new Uri($"http://{sidecar.AppEndPoint}/"),
                Timeout = TimeSpan.FromSeconds(10),
            };
            // Bounded: a stop that never comes still ends the loop.
            for (var i = 0; i < 200_000 && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await client.GetAsync("/", CancellationToken.None);
                    await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Enqueue($"{(int)response.StatusCode} {string.Join(",", response.Headers.TryGetValues("X-Headless-Error", out var e) ? e : [])}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    failures.Enqueue($"{ex.GetType().Name}: {ex.Message}");
                }
                Interlocked.Increment(ref requests);
            }
        }, CancellationToken.None)).ToArray();

        string[] balancing = ["LeastRequests", "PowerOfTwoChoices", "RoundRobin"];
        var started = Stopwatch.StartNew();
        try
        {
            await Poll.UntilAsync(_ => Task.FromResult(Volatile.Read(ref requests) >= 100), "the load loop running", TimeSpan.FromSeconds(30), cancellationToken: Ct);
            for (var reload = 1; reload <= 20; reload++)
            {
                var n = reload;
                await sidecar.WriteAsync(c =>
                {
                    var web = c["Services"]!["web"]!;
                    web["LoadBalancing"] = balancing[n % balancing.Length];
                    web["Retry"] = new JsonObject { ["MaxAttempts"] = 3 + (n % 2) };
                    web["Timeouts"] = new JsonObject { ["Request"] = $"00:00:{30 + n}" };
                }, Ct);
                await sidecar.WaitForReloadsAsync(success: reload, failure: 0, cancellationToken: Ct);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        var total = Volatile.Read(ref requests);
        var summary = $"{total} requests, {failures.Count} failed, 20 reloads in {started.Elapsed.TotalSeconds:F1} s";
        output.WriteLine(summary);
        Assert.True(failures.IsEmpty, $"{summary}: {string.Join("; ", failures.Take(5))}");
        Assert.True(total > 1000, summary);
        Assert.Equal("00:00:50", await sidecar.WebSettingAsync("Timeouts:Request", Ct));
    }
}
