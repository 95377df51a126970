using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>Contract section 4 under concurrent load, with real DNS and real loopback pods.</summary>
public sealed class FailoverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ITestOutputHelper? Output => TestContext.Current.TestOutputHelper;

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static double Failovers(string metrics, string from, string reason) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith("headless_sidecar_failovers_total{", StringComparison.Ordinal)
                && l.Contains($"from_pod=\"{from}\"", StringComparison.Ordinal) && l.Contains($"reason=\"{reason}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    /// <summary>
    /// Stops pod <paramref name="name"/> and moves its DNS record to a fresh address, as a pod rescheduled elsewhere;
    /// returns the endpoint where the caller starts its replacement.
    /// </summary>
    private static async Task<IPEndPoint> MovePodAsync(TestCluster cluster, string name)
    {
        await cluster.Pods[name].StopAsync();
        var address = LoopbackAddresses.Next();
        cluster.Service.Pod(name).Address = address;
        await cluster.ReloadAsync();
        return new IPEndPoint(address, cluster.Pods.Port);
    }

    /// <summary>
    /// A StatefulSet's restart as Kubernetes does it: the pod stops, its replacement starts at a new address, and only
    /// once it is ready does DNS name it (not-ready pods are left out of a headless Service's records).
    /// </summary>
    private static async Task<LoopbackHttpPod> RestartPodAsync(TestCluster cluster, string name)
    {
        await cluster.Pods[name].StopAsync();
        var address = LoopbackAddresses.Next();
        var replacement = await LoopbackHttpPod.StartAsync(name, address, cluster.Pods.Port, cancellationToken: Ct);
        cluster.Service.Pod(name).Address = address;
        await cluster.ReloadAsync();
        return replacement;
    }

    [Fact]
    public async Task PodKilledMidLoad_NoFailedGets_FailoversCountedFromDeadPod()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        var load = new LoadLoop();
        var running = load.RunAsync(sidecar.Client.BaseAddress!, workers: 6, perWorker: 100, path: "/delay/2", cancellationToken: Ct);
        await sidecar.WaitUntilAsync(_ => Task.FromResult(load.Completed >= 150), "150 requests done", Ct);
        await cluster.Pods["web-1"].StopAsync();
        await running;

        Output?.WriteLine($"pod killed mid-load: {load.Describe()}");
        Assert.True(load.Failed == 0, load.Describe());
        var metrics = await sidecar.MetricsAsync(Ct);
        var moved = Failovers(metrics, "web-1", "connect_error") + Failovers(metrics, "web-1", "reset");
        Output?.WriteLine($"failovers from web-1: {moved}");
        foreach (var line in metrics.Split('\n').Where(l => l.StartsWith("headless_sidecar_failovers_total{", StringComparison.Ordinal)
            || l.StartsWith("headless_sidecar_ejections_total{", StringComparison.Ordinal) || l.StartsWith("headless_sidecar_endpoints{", StringComparison.Ordinal)
            || l.StartsWith("headless_sidecar_requests_total{", StringComparison.Ordinal)))
        {
            Output?.WriteLine(line);
        }
        Assert.True(moved >= 1, metrics);
    }

    [Fact]
    public async Task HungPodWithPerTry_BoundedAttempt_NoFailedGets_ReasonTimeout()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        // web-1 moves to an address where a server accepts and never answers.
        var blackHoleEndPoint = await MovePodAsync(cluster, "web-1");
        await using var blackHole = RawPod.BlackHole(blackHoleEndPoint);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Timeouts:PerTry"] = "300ms";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "1000";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        var load = new LoadLoop();
        // The client's own 10 s timeout would fail requests stuck on the hung pod for Timeouts:Request (100 s).
        await load.RunAsync(sidecar.Client.BaseAddress!, workers: 4, perWorker: 30, cancellationToken: Ct);
        Output?.WriteLine($"hung pod: {load.Describe()}");
        Assert.True(load.Failed == 0, load.Describe());
        Assert.DoesNotContain(load.Results, r => r.Pod == "web-1");
        var metrics = await sidecar.MetricsAsync(Ct);
        // A whole PerTry without one answer from the pod marks it unresponsive: it is ejected at its first timeout,
        // whatever ConsecutiveFailures says, so at most the requests sent to it before then wait for PerTry.
        var timeouts = Failovers(metrics, "web-1", "timeout");
        Output?.WriteLine($"timeout failovers from web-1: {timeouts}");
        Assert.InRange(timeouts, 1, 4);
        Assert.Equal("ejected", (await sidecar.PeersAsync(cancellationToken: Ct)).GetProperty("pods").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "web-1").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Pod503WithOnStatus_RetriedElsewhere_ReasonStatus503()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var failing = RawPod.AlwaysStatus(await MovePodAsync(cluster, "web-2"), 503);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "1000";
            // Round-robin keeps sending the failing pod its share; PeakEwma would charge its 503s and avoid it.
            s["Sidecar:Services:web:LoadBalancing"] = "RoundRobin";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        var load = new LoadLoop();
        await load.RunAsync(sidecar.Client.BaseAddress!, workers: 3, perWorker: 30, cancellationToken: Ct);
        Assert.True(load.Failed == 0, load.Describe());
        Assert.True(failing.RequestCount >= 20);
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(failing.RequestCount, Failovers(metrics, "web-2", "status_503"));

        // Pinned requests never fail over: the upstream's own 503 passes through.
        var pinned = new HttpRequestMessage(HttpMethod.Get, "/");
        pinned.Headers.Add("X-Headless-Ordinal", "2");
        using var response = await sidecar.Client.SendAsync(pinned, Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Headless-Error"));
        Assert.Equal("web-2", response.Headers.GetValues("X-Headless-Pod").Single());
    }

    [Theory]
    [InlineData("PUT", 1_000, true)]
    [InlineData("PUT", 100_000, false)]
    [InlineData("POST", 1_000, false)]
    public async Task BodyReplay_OnlyIdempotentReplayableRequestsAreRetried(string method, int bodySize, bool retried)
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        var failingEndPoint = await MovePodAsync(cluster, "web-0");
        await using var failing = RawPod.AlwaysStatus(failingEndPoint, 503);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:LoadBalancing"] = "LowestOrdinal";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "1000";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodAddressAsync("web-0", failingEndPoint.Address, cancellationToken: Ct);

        var request = new HttpRequestMessage(new HttpMethod(method), "/replay") { Content = new ByteArrayContent(new byte[bodySize]) };
        using var response = await sidecar.Client.SendAsync(request, Ct);
        if (retried)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("web-1", response.Headers.GetValues("X-Headless-Pod").Single());
            Assert.Equal(method, cluster.Pods["web-1"].LastRequest!.Method);
        }
        else
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("web-0", response.Headers.GetValues("X-Headless-Pod").Single());
            Assert.Equal(0, cluster.Pods["web-1"].RequestCount);
        }
    }

    [Fact]
    public async Task PostToARefusingPod_IsRetriedBecauseNothingWasSent()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => s["Sidecar:Services:web:LoadBalancing"] = "LowestOrdinal", cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        await cluster.Pods["web-0"].StopAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new ByteArrayContent(new byte[200_000]) };
        using var response = await sidecar.Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web-1", response.Headers.GetValues("X-Headless-Pod").Single());
        Assert.Equal("POST", cluster.Pods["web-1"].LastRequest!.Method);
        Assert.Equal(1, Failovers(await sidecar.MetricsAsync(Ct), "web-0", "connect_error"));
    }

    [Fact]
    public async Task EveryPodFailing_RetriesStopAtTheBudget()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        var failing = new List<RawPod>();
        foreach (var name in new[] { "web-0", "web-1", "web-2" })
        {
            failing.Add(RawPod.AlwaysStatus(await MovePodAsync(cluster, name), 503));
        }
        try
        {
            await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
            {
                s["Sidecar:Services:web:Retry:BudgetPercent"] = "0";
                s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "1000";
            }, cancellationToken: Ct);
            await sidecar.WaitUntilAsync(async ct => (await sidecar.PeersAsync(cancellationToken: ct)).GetProperty("pods").GetArrayLength() == 3, "3 pods", Ct);

            var load = new LoadLoop();
            await load.RunAsync(sidecar.Client.BaseAddress!, workers: 2, perWorker: 60, cancellationToken: Ct);
            var exhausted = load.Results.Count(r => r.Error == "retry_budget_exhausted");
            var passedThrough = load.Results.Count(r => r.Status == HttpStatusCode.ServiceUnavailable && r.Error is null);
            Output?.WriteLine($"budget: {exhausted} refused, {passedThrough} upstream 503s after all attempts");
            // 100 retries per 10 s at most (BudgetPercent 0): 2 per request → ~50 requests get all 3 attempts.
            Assert.InRange(passedThrough, 45, 55);
            Assert.Equal(120 - passedThrough, exhausted);
            var metrics = await sidecar.MetricsAsync(Ct);
            Assert.Equal(exhausted, TestSidecar.Series(metrics, "headless_sidecar_retry_budget_exhausted_total", ("service", "web")));
        }
        finally
        {
            foreach (var pod in failing)
            {
                await pod.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ConsecutiveFailures_EjectThePod_ItReturnsAfterEjectFor()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "2";
            s["Sidecar:Services:web:Health:EjectFor"] = "2s";
            // Round-robin keeps offering the stopped pod requests until the count ejects it; PeakEwma would
            // charge its first refusal and avoid it before a second one.
            s["Sidecar:Services:web:LoadBalancing"] = "RoundRobin";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        await cluster.Pods["web-1"].StopAsync();

        for (var i = 0; i < 12; i++)
        {
            using var response = await sidecar.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var pod = (await sidecar.PeersAsync(cancellationToken: Ct)).GetProperty("pods")[1];
        Assert.Equal("ejected", pod.GetProperty("state").GetString());
        Assert.Equal("connect_error", pod.GetProperty("ejectReason").GetString());
        Assert.True(pod.TryGetProperty("ejectedUntil", out _));
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_ejections_total", ("service", "web"), ("pod", "web-1")));
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_endpoints", ("service", "web"), ("state", "ejected")));
        // While ejected, pinned requests are refused rather than sent to a known-bad pod.
        var pinned = new HttpRequestMessage(HttpMethod.Get, "/");
        pinned.Headers.Add("X-Headless-Ordinal", "1");
        using (var refused = await sidecar.Client.SendAsync(pinned, Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("pod_unavailable", refused.Headers.GetValues("X-Headless-Error").Single());
        }

        await cluster.Pods["web-1"].StartAsync(Ct);
        cluster.Pods["web-1"].ResetCounters();
        await sidecar.WaitUntilAsync(async ct => (await sidecar.PeersAsync(cancellationToken: ct)).GetProperty("pods")[1].GetProperty("state").GetString() == "healthy", "web-1 back", Ct);
        for (var i = 0; i < 6; i++)
        {
            using var response = await sidecar.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.True(cluster.Pods["web-1"].RequestCount >= 1);
    }

    [Fact]
    public async Task PanicGuard_NeverEjectsMoreThanHalf()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "1";
            s["Sidecar:Services:web:Health:EjectFor"] = "30s";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        await cluster.Pods["web-0"].StopAsync();
        await cluster.Pods["web-1"].StopAsync();
        for (var i = 0; i < 20; i++)
        {
            using var response = await sidecar.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("web-2", response.Headers.GetValues("X-Headless-Pod").Single());
        }
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_endpoints", ("service", "web"), ("state", "ejected")));
    }

    [Fact]
    public async Task ActiveProbes_EjectADeadPodWithoutTraffic_AndReturnItAfterAPassingProbe()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Health:ProbePath"] = "/status/204";
            s["Sidecar:Services:web:Health:ProbeInterval"] = "200ms";
            s["Sidecar:Services:web:Health:ProbeTimeout"] = "200ms";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "2";
            s["Sidecar:Services:web:Health:EjectFor"] = "1s";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        await sidecar.WaitUntilAsync(_ => Task.FromResult(cluster.Pods["web-1"].RequestCount >= 2), "probes reach web-1", Ct);
        Assert.Equal("/status/204", cluster.Pods["web-1"].LastRequest!.Path);

        await cluster.Pods["web-1"].StopAsync();
        await sidecar.WaitUntilAsync(async ct => (await sidecar.PeersAsync(cancellationToken: ct)).GetProperty("pods")[1].GetProperty("state").GetString() == "ejected", "web-1 ejected by probes", Ct);
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        Assert.Equal("probe_failed", peers.GetProperty("pods")[1].GetProperty("ejectReason").GetString());

        await cluster.Pods["web-1"].StartAsync(Ct);
        await sidecar.WaitUntilAsync(async ct => (await sidecar.PeersAsync(cancellationToken: ct)).GetProperty("pods")[1].GetProperty("state").GetString() == "healthy", "web-1 back after a passing probe", Ct);
    }

    [Fact]
    public async Task PodRestartAtNewIp_PickedUpWellBeforeTheTtl()
    {
        await using var cluster = await TestCluster.StartAsync(2, cancellationToken: Ct);
        cluster.Zone.Ttl = 30;
        await cluster.ReloadAsync();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Dns:MinRefresh"] = "500ms";
            s["Sidecar:Dns:MaxRefresh"] = "30s";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        // Let the first (30 s) refresh be scheduled.
        await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_dns_lookups_total", ("service", "web"), ("result", "success")) >= 1, "resolved", Ct);

        var moved = await MovePodAsync(cluster, "web-1");
        await using var restarted = await LoopbackHttpPod.StartAsync("web-1", moved.Address, moved.Port, cancellationToken: Ct);
        var started = DateTime.UtcNow;
        // Traffic meets the dead address, fails over, and asks discovery to look again.
        for (var i = 0; i < 4; i++)
        {
            using var response = await sidecar.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await sidecar.WaitForPodAddressAsync("web-1", moved.Address, cancellationToken: Ct);
        var took = DateTime.UtcNow - started;
        Output?.WriteLine($"new address picked up after {took.TotalMilliseconds:F0} ms (TTL 30 s)");
        Assert.True(took < TimeSpan.FromSeconds(15), $"took {took}");
    }

    [Fact]
    public async Task LowestOrdinal_TakeoverOnFailureAndReturn()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:LoadBalancing"] = "LowestOrdinal";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "2";
            s["Sidecar:Services:web:Health:EjectFor"] = "1s";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        async Task<string> ServedByAsync()
        {
            using var response = await sidecar.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return response.Headers.GetValues("X-Headless-Pod").Single();
        }
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("web-0", await ServedByAsync());
        }
        await cluster.Pods["web-0"].StopAsync();
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal("web-1", await ServedByAsync());
        }
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(2, Failovers(metrics, "web-0", "connect_error"));
        Assert.Equal(1, Failovers(metrics, "web-0", "ejected"));

        await cluster.Pods["web-0"].StartAsync(Ct);
        await sidecar.WaitUntilAsync(async ct => await ServedByAsync() == "web-0", "traffic back on web-0", Ct);
    }

    [Fact]
    public async Task ConsistentHash_KeysStickAcrossARestartAtANewIp()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:LoadBalancing"] = "ConsistentHash";
            s["Sidecar:Services:web:HashHeader"] = "X-Shard-Key";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        async Task<Dictionary<string, string>> MapAsync()
        {
            var map = new Dictionary<string, string>();
            for (var key = 0; key < 30; key++)
            {
                var request = new HttpRequestMessage(HttpMethod.Get, "/");
                request.Headers.Add("X-Shard-Key", $"user-{key}");
                using var response = await sidecar.Client.SendAsync(request, Ct);
                map[$"user-{key}"] = response.Headers.GetValues("X-Headless-Pod").Single();
            }
            return map;
        }
        var before = await MapAsync();
        Assert.Equal(3, before.Values.Distinct().Count());
        Assert.Equal(before, await MapAsync());

        var moved = await MovePodAsync(cluster, "web-1");
        await using var restarted = await LoopbackHttpPod.StartAsync("web-1", moved.Address, moved.Port, cancellationToken: Ct);
        await sidecar.WaitForPodAddressAsync("web-1", moved.Address, cancellationToken: Ct);
        Assert.Equal(before, await MapAsync());
    }

    [Fact]
    public async Task RollingRestartUnderLoad_NoFailedGets()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => s["Sidecar:Services:web:Timeouts:PerTry"] = "2s", cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        var steady = new LoadLoop();
        await steady.RunAsync(sidecar.Client.BaseAddress!, workers: 4, perWorker: 100, path: "/delay/1", cancellationToken: Ct);

        var load = new LoadLoop();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = load.RunAsync(sidecar.Client.BaseAddress!, workers: 4, perWorker: 400, path: "/delay/1", cancellationToken: Ct);
        var replacements = new List<LoopbackHttpPod>();
        try
        {
            foreach (var name in new[] { "web-0", "web-1", "web-2" })
            {
                // As a StatefulSet rolls: the pod stops, comes back at a new IP, DNS follows once it is ready.
                var replacement = await RestartPodAsync(cluster, name);
                replacements.Add(replacement);
                await sidecar.WaitForPodAddressAsync(name, replacement.EndPoint.Address, cancellationToken: Ct);
            }
            await running;
        }
        finally
        {
            foreach (var pod in replacements)
            {
                await pod.DisposeAsync();
            }
        }
        var metrics = await sidecar.MetricsAsync(Ct);
        var failovers = metrics.Split('\n').Where(l => l.StartsWith("headless_sidecar_failovers_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        Output?.WriteLine($"steady state: {steady.Describe()}");
        Output?.WriteLine($"rolling restart: {load.Describe()}; failovers counted {failovers}");
        Assert.True(load.Failed == 0, load.Describe());
        Assert.Equal(1600, load.Results.Count);
    }
}
