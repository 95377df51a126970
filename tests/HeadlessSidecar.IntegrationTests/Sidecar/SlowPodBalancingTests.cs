using System.Diagnostics;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// A gray failure: one pod of three answers ten times slower than its peers (50 ms against 5 ms). With the default
/// policy it must get at most 10 % of balanced requests within 10 s, for a serial client and for 8 concurrent
/// requests, and its share must come back when it recovers. The other policies run the same load for comparison.
/// </summary>
// Measures shares and times: run alone, like the fault matrix, not beside other tests' load on the same cores.
[Collection(Faults.FaultMatrixGroup.Name)]
public sealed class SlowPodBalancingTests
{
    private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan Slow = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private const string SlowPod = "web-1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ITestOutputHelper? Output => TestContext.Current.TestOutputHelper;

    [Theory]
    [InlineData(null, 1)]
    [InlineData(null, 8)]
    [InlineData("RoundRobin", 1)]
    [InlineData("RoundRobin", 8)]
    [InlineData("LeastRequests", 1)]
    [InlineData("LeastRequests", 8)]
    [InlineData("PowerOfTwoChoices", 1)]
    [InlineData("PowerOfTwoChoices", 8)]
    public async Task SlowPod_TenSecondsOfLoad_ShareByPolicy(string? policy, int workers)
    {
        await using var cluster = await StartSlowClusterAsync();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            if (policy is not null)
            {
                s["Sidecar:Services:web:LoadBalancing"] = policy;
            }
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        await using var load = ClosedLoopLoad.Start(sidecar.Client.BaseAddress!, workers);
        await Task.Delay(Window, Ct);
        var share = load.ShareOf(SlowPod, since: TimeSpan.Zero);
        Output?.WriteLine($"{policy ?? "default (PeakEwma)"}, {workers} concurrent: {load.Describe(SlowPod)}");
        Assert.Equal(0, load.Failed);
        switch (policy)
        {
            case null:
                Assert.True(share <= 0.10, $"the slow pod got {share:P1}");
                break;
            case "RoundRobin":
                // Its promise: an exact spread, whatever the pods' speed.
                Assert.InRange(share, 0.30, 0.37);
                break;
            case "LeastRequests" or "PowerOfTwoChoices" when workers == 1:
                // A serial client leaves no request open to count: the slow pod keeps a fair share.
                Assert.True(share >= 0.20, $"the slow pod got {share:P1}");
                break;
            default:
                // Overlapping requests pile up on the slow pod, so counting them steers away, though not by latency.
                Assert.True(share < 0.25, $"the slow pod got {share:P1}");
                break;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task SlowPodRecovers_DefaultPolicy_ShareComesBack(int workers)
    {
        await using var cluster = await StartSlowClusterAsync();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        await using var load = ClosedLoopLoad.Start(sidecar.Client.BaseAddress!, workers);
        await Task.Delay(Window, Ct);
        var slowShare = load.ShareOf(SlowPod, since: TimeSpan.Zero);
        Assert.True(slowShare <= 0.10, $"the slow pod got {slowShare:P1}");

        cluster.Pods[SlowPod].Latency = Fast;
        var recovered = load.Elapsed;
        // Its estimate decays to its peers' within 10 s × ln 10 (23 s); the next pick samples it and ranks it anew.
        var recovery = Stopwatch.StartNew();
        await Poll.UntilAsync(_ => Task.FromResult(load.ShareOf(SlowPod, since: load.Elapsed - TimeSpan.FromSeconds(2)) >= 0.2),
            "the recovered pod's share over 2 s to reach 20 %", TimeSpan.FromSeconds(40), () => load.Describe(SlowPod), Ct);
        Output?.WriteLine($"{workers} concurrent: slow for 10 s: {slowShare:P2}; recovered {recovery.Elapsed.TotalSeconds:F1} s after it sped up " +
            $"(its share over the last 2 s ≥ 20 %); since then: {load.ShareOf(SlowPod, since: recovered):P1}; {load.Describe(SlowPod)}");
        Assert.Equal(0, load.Failed);
    }

    private static async Task<TestCluster> StartSlowClusterAsync()
    {
        var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        foreach (var pod in cluster.Pods.Pods)
        {
            pod.Latency = pod.Name == SlowPod ? Slow : Fast;
        }
        return cluster;
    }
}
