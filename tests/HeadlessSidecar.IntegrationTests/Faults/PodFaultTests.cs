using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using static HeadlessSidecar.IntegrationTests.Faults.FaultSteps;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>
/// The fault matrix's clean and loud pod faults, each under <see cref="FaultLoad"/>: a pod killed, hung, answering
/// 503, resetting its connections, coming back at a new address, and the set scaled up and down.
/// </summary>
[Collection(FaultMatrixGroup.Name)]
public sealed class PodFaultTests
{
    private static readonly string[] ThreePods = ["web-0", "web-1", "web-2"];

    [Fact]
    public async Task PodCrash_UnderLoad_FailedAtMostInFlight_PodAvoided()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(ThreePods, cancellationToken: Ct);

        await using var load = FaultLoad.Start(sidecar.Client.BaseAddress!, Clients, RowLoad, LoadPath, cancellationToken: Ct);
        await load.WaitForRequestsAsync(300, Ct);
        var inFlight = load.InFlight;
        var faultAt = load.Now;
        await cluster.Pods["web-1"].StopAsync();
        // Every balanced attempt on the dead pod fails over: the failovers from it are its attempts.
        var (share, late) = await AttemptShareAfterLearningAsync(load, faultAt,
            async () => (int)FaultMetrics.Sum(await sidecar.MetricsAsync(Ct), "headless_sidecar_failovers_total", ("from_pod", "web-1")));

        var metrics = await sidecar.MetricsAsync(Ct);
        FaultMatrixReport.Write(Row("pod crash (killed)", load, metrics,
            $"in flight at the kill {inFlight}; {late} attempts ({share:P2} of requests) on the dead pod from 2 s after the kill on; " +
            $"connect_error failovers {FaultMetrics.Failovers(metrics, "connect_error"):0}, reset {FaultMetrics.Failovers(metrics, "reset"):0}; ejections {FaultMetrics.Sum(metrics, "headless_sidecar_ejections_total", ("pod", "web-1")):0}",
            "failed ≤ in flight at the kill (GETs fail over: 0 expected); from 2 s after the kill the dead pod gets ≤ 1 % of attempts"));
        Assert.True(load.Failed <= inFlight, load.Describe());
        Assert.True(share <= 0.01, $"the dead pod still got {late} attempts ({share:P2})");
    }

    [Fact]
    public async Task PodHang_WithPerTry_NoFailedGets_PodEjected()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => s["Sidecar:Services:web:Timeouts:PerTry"] = "500ms", cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(ThreePods, cancellationToken: Ct);

        await using var load = FaultLoad.Start(sidecar.Client.BaseAddress!, Clients, RowLoad, LoadPath, cancellationToken: Ct);
        await load.WaitForRequestsAsync(300, Ct);
        var faultAt = load.Now;
        cluster.Pods["web-1"].Hang = true;
        var ejectedAt = await WaitForPodStateAsync(sidecar, load, "web-1", "ejected", TimeSpan.FromSeconds(10));
        await load.Completion;

        var metrics = await sidecar.MetricsAsync(Ct);
        var slow = load.Samples.Count(s => s.Milliseconds >= 500);
        FaultMatrixReport.Write(Row("hang (accepts, never answers; PerTry 500 ms)", load, metrics,
            $"ejected after {Ms(ejectedAt - faultAt)}; {slow} requests waited one PerTry; timeout failovers {FaultMetrics.Failovers(metrics, "timeout"):0}; max {load.Percentile(100):0} ms",
            "0 failed; ejected within 5 × PerTry + 1 s; no request waits more than 2 × PerTry"));
        Assert.True(load.Failed == 0, load.Describe());
        Assert.True(ejectedAt - faultAt <= 3.5, $"ejected {ejectedAt - faultAt:0.00} s after the hang");
        Assert.True(load.Percentile(100) < 1000, load.Describe());
        Assert.True(FaultMetrics.Failovers(metrics, "timeout") >= 1, metrics);
    }

    /// <summary>
    /// How much of the traffic a failing pod still draws once the sidecar had 2 s to learn: its attempts from then
    /// to the end of the load, over the requests sent meanwhile.
    /// </summary>
    private static async Task<(double Share, int Attempts)> AttemptShareAfterLearningAsync(FaultLoad load, double faultAt, Func<Task<int>> attempts)
    {
        await WaitUntilAsync(load, _ => Task.FromResult(load.Now - faultAt >= 2), "2 s after the fault", TimeSpan.FromSeconds(5));
        var (attemptsBefore, sentBefore) = (await attempts(), load.Sent);
        await load.Completion;
        var attemptsAfter = await attempts() - attemptsBefore;
        return ((double)attemptsAfter / Math.Max(1, load.Sent - sentBefore), attemptsAfter);
    }

    [Fact]
    public async Task Pod503_RetriedElsewhere_NoFailedGets_PodAvoided()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(ThreePods, cancellationToken: Ct);

        await using var load = FaultLoad.Start(sidecar.Client.BaseAddress!, Clients, RowLoad, LoadPath, cancellationToken: Ct);
        await load.WaitForRequestsAsync(300, Ct);
        var faultAt = load.Now;
        var failing = cluster.Pods["web-1"];
        failing.ResetCounters();
        failing.ForcedStatus = 503;
        var (share, late) = await AttemptShareAfterLearningAsync(load, faultAt, () => Task.FromResult(failing.RequestCount));

        var metrics = await sidecar.MetricsAsync(Ct);
        FaultMatrixReport.Write(Row("5xx (pod answers 503, in Retry:OnStatus)", load, metrics,
            $"{failing.RequestCount} 503s in all, {late} ({share:P2} of requests) from 2 s after the fault on; status_503 failovers {FaultMetrics.Failovers(metrics, "status_503"):0}; " +
            $"ejections {FaultMetrics.Sum(metrics, "headless_sidecar_ejections_total", ("pod", "web-1")):0}",
            "0 failed (503 retried on another pod); from 2 s after the fault the pod gets ≤ 1 % of attempts"));
        Assert.True(load.Failed == 0, load.Describe());
        Assert.True(FaultMetrics.Failovers(metrics, "status_503") >= 1, metrics);
        Assert.True(share <= 0.01, $"the 503 pod still got {late} attempts ({share:P2})");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UpstreamReset_MidResponse_CostsAtMostTheResetRequests(bool inHead)
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(ThreePods, cancellationToken: Ct);

        await using var load = FaultLoad.Start(sidecar.Client.BaseAddress!, Clients, RowLoad, LoadPath, cancellationToken: Ct);
        await load.WaitForRequestsAsync(300, Ct);
        var faultAt = load.Now;
        await using var resetting = new ResettingPod(await MovePodAsync(cluster, "web-1"), inHead ? ResettingPod.ResetPoint.InHead : ResettingPod.ResetPoint.InBody);
        var (share, late) = await AttemptShareAfterLearningAsync(load, faultAt, () => Task.FromResult(resetting.Resets));

        var metrics = await sidecar.MetricsAsync(Ct);
        FaultMatrixReport.Write(Row(inHead ? "upstream reset (RST in the response head)" : "upstream reset (RST mid-body)", load, metrics,
            $"{resetting.Resets} connections reset, {late} ({share:P2} of requests) from 2 s after the fault on; reset failovers {FaultMetrics.Failovers(metrics, "reset"):0}; " +
            $"ejections {FaultMetrics.Sum(metrics, "headless_sidecar_ejections_total", ("pod", "web-1")):0}",
            (inHead ? "0 failed (nothing reached the app: retried)" : "failed ≤ resets (a response already started cannot move)") +
            "; from 2 s after the fault the pod gets ≤ 1 % of attempts"));
        Assert.True(inHead ? load.Failed == 0 : load.Failed <= resetting.Resets, load.Describe());
        Assert.True(resetting.Resets >= 1);
        Assert.True(share <= 0.01, $"the resetting pod still got {late} attempts ({share:P2})");
    }

    [Fact]
    public async Task PodNewIp_RestartedElsewhere_NoFailedGets_NewAddressServedWithinTwoSeconds()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(ThreePods, cancellationToken: Ct);

        await using var load = FaultLoad.Start(sidecar.Client.BaseAddress!, Clients, RowLoad, LoadPath, cancellationToken: Ct);
        await load.WaitForRequestsAsync(300, Ct);
        var inFlight = load.InFlight;
        // As a StatefulSet restarts a pod: it dies, its replacement starts at a new IP, DNS names it once ready.
        var faultAt = load.Now;
        await cluster.Pods["web-1"].StopAsync();
        await using var replacement = await LoopbackHttpPod.StartAsync("web-1", LoopbackAddresses.Next(), cluster.Pods.Port, cancellationToken: Ct);
        cluster.Service.Pod("web-1").Address = replacement.Address;
        await cluster.ReloadAsync();
        var publishedAt = load.Now;
        var servedAt = await WaitUntilAsync(load, _ => Task.FromResult(replacement.RequestCount > 0), "the new address served", TimeSpan.FromSeconds(5));
        await load.Completion;

        var metrics = await sidecar.MetricsAsync(Ct);
        FaultMatrixReport.Write(Row("pod gets a new IP", load, metrics,
            $"in flight at the kill {inFlight}; DNS named the new address {Ms(publishedAt - faultAt)} after the kill; served {Ms(servedAt - publishedAt)} after that",
            "failed ≤ in flight at the kill (0 expected); the new address served within 2 s of DNS naming it"));
        Assert.True(load.Failed <= inFlight, load.Describe());
        Assert.True(servedAt - publishedAt <= 2, $"new address served {servedAt - publishedAt:0.00} s after DNS");
    }

    [Fact]
    public async Task Scale3To5To1_NoFailedGets_SetFollowsWithinTwoSeconds()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(ThreePods, cancellationToken: Ct);
        var added = new List<LoopbackHttpPod>();
        try
        {
            await using var load = FaultLoad.Start(sidecar.Client.BaseAddress!, Clients, TimeSpan.FromSeconds(8), LoadPath, cancellationToken: Ct);
            await load.WaitForRequestsAsync(300, Ct);
            foreach (var name in new[] { "web-3", "web-4" })
            {
                var pod = await LoopbackHttpPod.StartAsync(name, LoopbackAddresses.Next(), cluster.Pods.Port, cancellationToken: Ct);
                added.Add(pod);
                cluster.Service.AddPod(name, pod.Address);
            }
            await cluster.ReloadAsync();
            var upAt = load.Now;
            var upServedAt = await WaitUntilAsync(load, _ => Task.FromResult(added.All(p => p.RequestCount > 0)), "web-3 and web-4 served", TimeSpan.FromSeconds(5));
            await load.WaitForRequestsAsync(300, Ct);

            // Scale-down: the endpoints leave DNS while the terminating pods still serve (their grace period, a
            // preStop pause); they stop once the sidecar has let them go. Four of five pods killed outright while
            // DNS still names them is the crash row times four (docs/faults.md).
            foreach (var name in new[] { "web-1", "web-2", "web-3", "web-4" })
            {
                cluster.Service.RemovePod(name);
            }
            await cluster.ReloadAsync();
            var downAt = load.Now;
            var downDoneAt = await WaitUntilAsync(load, async ct => (await sidecar.PodNamesAsync(cancellationToken: ct)).SequenceEqual(["web-0"]), "only web-0 left", TimeSpan.FromSeconds(5));
            await Task.WhenAll(added.Select(p => p.StopAsync(graceful: true)).Append(cluster.Pods["web-1"].StopAsync(graceful: true)).Append(cluster.Pods["web-2"].StopAsync(graceful: true)));
            await load.Completion;

            var metrics = await sidecar.MetricsAsync(Ct);
            var lateOnRemoved = load.Samples.Count(s => s.Start > downDoneAt && s.Pod is not null && s.Pod != "web-0");
            FaultMatrixReport.Write(Row("scale 3→5→1", load, metrics,
                $"new pods served {Ms(upServedAt - upAt)} after DNS; set down to web-0 {Ms(downDoneAt - downAt)} after DNS; {lateOnRemoved} requests to removed pods after that",
                "0 failed; new pods served and removed pods dropped within 2 s of DNS"));
            Assert.True(load.Failed == 0, load.Describe());
            Assert.True(upServedAt - upAt <= 2, $"scale-up seen after {upServedAt - upAt:0.00} s");
            Assert.True(downDoneAt - downAt <= 2, $"scale-down seen after {downDoneAt - downAt:0.00} s");
            Assert.Equal(0, lateOnRemoved);
        }
        finally
        {
            foreach (var pod in added)
            {
                await pod.DisposeAsync();
            }
        }
    }
}
