using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using static HeadlessSidecar.IntegrationTests.Faults.FaultSteps;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>
/// The fault matrix's DNS rows under <see cref="FaultLoad"/>, against the real Knot server: the server down
/// (<see cref="FaultSettings.DnsDown"/>), answering SERVFAIL, and the Service flapping to NXDOMAIN and back.
/// </summary>
[Collection(FaultMatrixGroup.Name)]
public sealed class DnsFaultTests
{
    private static readonly string[] ThreePods = ["web-0", "web-1", "web-2"];

    private static async Task<double?> StaleAsync(TestSidecar sidecar, CancellationToken cancellationToken) =>
        TestSidecar.Series(await sidecar.MetricsAsync(cancellationToken), "headless_sidecar_dns_stale", ("service", "web"));

    /// <summary>
    /// Runs the load through <paramref name="outage"/> and its end: the last good set must serve throughout (sampled
    /// every second), <c>dns_stale</c> must be 1 during it and 0 again within 3 s of the end.
    /// </summary>
    private static async Task LastGoodSetRowAsync(string fault, TimeSpan length, Func<TestCluster, Task> begin, Func<TestCluster, Task> end)
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(ThreePods, cancellationToken: Ct);

        await using var load = FaultLoad.Start(sidecar.Client.BaseAddress!, Clients, length + TimeSpan.FromSeconds(60), LoadPath, cancellationToken: Ct);
        await load.WaitForRequestsAsync(300, Ct);
        var faultAt = load.Now;
        await begin(cluster);
        var staleAt = await WaitUntilAsync(load, async ct => await StaleAsync(sidecar, ct) == 1, "dns_stale = 1", TimeSpan.FromSeconds(10));
        var fewestPods = 3;
        while (load.Now - faultAt < length.TotalSeconds)
        {
            fewestPods = Math.Min(fewestPods, (await sidecar.PodNamesAsync(cancellationToken: Ct)).Length);
            await Task.Delay(TimeSpan.FromSeconds(1), Ct); // Sampling pace during the outage, not synchronisation.
        }
        var outageSent = load.Sent;
        var endAt = load.Now;
        await end(cluster);
        var freshAt = await WaitUntilAsync(load, async ct => await StaleAsync(sidecar, ct) == 0, "dns_stale = 0", TimeSpan.FromSeconds(10));
        await load.StopAsync();

        var metrics = await sidecar.MetricsAsync(Ct);
        var errors = TestSidecar.Series(metrics, "headless_sidecar_dns_lookups_total", ("service", "web"), ("result", "error")) ?? 0;
        FaultMatrixReport.Write(Row(fault, load, metrics,
            $"outage {length.TotalSeconds:0} s; dns_stale 1 after {Ms(staleAt - faultAt)}; fewest pods served during it {fewestPods} of 3; " +
            $"{outageSent} requests by its end; failed lookups {errors:0}; fresh again {Ms(freshAt - endAt)} after it ended",
            "0 failed; the last good set (3 pods) kept throughout; dns_stale back to 0 within 3 s"));
        Assert.True(load.Failed == 0, load.Describe());
        Assert.Equal(3, fewestPods);
        Assert.True(errors >= 1, metrics);
        Assert.True(freshAt - endAt <= 3, $"fresh {freshAt - endAt:0.00} s after the outage");
    }

    [Fact]
    public Task DnsServerDown_LastGoodSetKept_NoFailedRequests() =>
        LastGoodSetRowAsync($"DNS server down ({FaultSettings.DnsDown.TotalSeconds:0} s)", FaultSettings.DnsDown,
            cluster => cluster.Dns.StopAsync(), cluster => cluster.Dns.StartAgainAsync(Ct));

    [Fact]
    public Task DnsServFail_LastGoodSetKept_NoFailedRequests() =>
        LastGoodSetRowAsync("SERVFAIL (5 s)", TimeSpan.FromSeconds(5),
            cluster => cluster.Dns.ServFailAsync(cancellationToken: Ct), cluster => cluster.Dns.ServeAgainAsync(Ct));

    [Fact]
    public async Task NxDomainFlap_FailsFastWithNoEndpoints_BackWithinTwoSeconds()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(ThreePods, cancellationToken: Ct);

        await using var load = FaultLoad.Start(sidecar.Client.BaseAddress!, Clients, TimeSpan.FromSeconds(60), LoadPath, cancellationToken: Ct);
        await load.WaitForRequestsAsync(300, Ct);
        var flapAt = load.Now;
        cluster.Zone.RemoveService(TestCluster.ServiceName, "default");
        await cluster.ReloadAsync();
        var emptyAt = await WaitUntilAsync(load, async ct => (await sidecar.PodNamesAsync(cancellationToken: ct)).Length == 0, "empty set", TimeSpan.FromSeconds(5));
        await Task.Delay(TimeSpan.FromSeconds(2), Ct); // The flap's length: the Service is gone this long.

        var service = cluster.Zone.AddService(TestCluster.ServiceName, "default", ("web", cluster.Pods.Port));
        foreach (var pod in cluster.Pods.Pods)
        {
            service.AddPod(pod.Name, pod.Address);
        }
        await cluster.ReloadAsync();
        var restoredAt = load.Now;
        var backAt = await WaitUntilAsync(load, async ct => (await sidecar.PodNamesAsync(cancellationToken: ct)).Length == 3, "3 pods back", TimeSpan.FromSeconds(5));
        await load.WaitForRequestsAsync(300, Ct);
        await load.StopAsync();

        var metrics = await sidecar.MetricsAsync(Ct);
        var failures = load.Samples.Where(s => !s.Ok).ToArray();
        var early = failures.Count(s => s.Start < flapAt);
        var slowFailures = failures.Count(s => s.Milliseconds > 1000);
        var lastFailure = failures.Length == 0 ? restoredAt : failures.Max(s => s.End);
        FaultMatrixReport.Write(Row("NXDOMAIN flap (Service gone 2 s)", load, metrics,
            $"set emptied {Ms(emptyAt - flapAt)} after NXDOMAIN; failures {string.Join(", ", failures.GroupBy(f => f.Outcome).Select(g => $"{g.Count()}× {g.Key}"))}, " +
            $"the slowest {failures.Select(f => f.Milliseconds).DefaultIfEmpty().Max():0.0} ms; pods back {Ms(backAt - restoredAt)} and the last failure {Ms(lastFailure - restoredAt)} after the Service returned",
            "every failure is a 503 no_endpoints answered at once (< 1 s: no wait for a timeout), none before the flap, none 2 s after the Service returned"));
        Assert.All(failures, f => Assert.Equal("503 no_endpoints", f.Outcome));
        Assert.Equal(0, early);
        Assert.Equal(0, slowFailures);
        Assert.True(backAt - restoredAt <= 2, $"back {backAt - restoredAt:0.00} s after the Service returned");
        Assert.True(lastFailure - restoredAt <= 2, $"a failure {lastFailure - restoredAt:0.00} s after the Service returned");
    }
}
