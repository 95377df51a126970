using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// Pods that stop answering without going away, with the default policy under a closed-loop load: a frozen process
/// (nginx stopped with SIGSTOP: its connections stay open, nothing answers) is ejected within 2 s with
/// <c>Timeouts:PerTry</c> set and costs the app at most the requests in flight; a black-holed pod (its SYNs dropped)
/// costs at most one <c>Timeouts:Connect</c> to at most 1 % of requests before it is ejected.
/// </summary>
// Measures shares and times: run alone, like the fault matrix, not beside other tests' load on the same cores.
[Collection(Faults.FaultMatrixGroup.Name)]
public sealed class UnresponsivePodTests
{
    private const string Victim = "web-1";
    private static readonly TimeSpan PerTry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Connect = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ITestOutputHelper? Output => TestContext.Current.TestOutputHelper;

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task FrozenPod_PerTrySet_EjectedWithinTwoSeconds_LosesAtMostTheRequestsInFlight(int workers)
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        // web-1 becomes a real nginx process at a new address, as a rescheduled pod.
        await cluster.Pods[Victim].StopAsync();
        var address = LoopbackAddresses.Next();
        await using var nginx = await NginxPod.StartAsync(Victim, address, cluster.Pods.Port, Ct);
        cluster.Service.Pod(Victim).Address = address;
        await cluster.ReloadAsync();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint,
            s => s["Sidecar:Services:web:Timeouts:PerTry"] = PerTry.ToString("c", CultureInfo.InvariantCulture), cancellationToken: Ct);
        await sidecar.WaitForPodAddressAsync(Victim, address, cancellationToken: Ct);

        await using var load = ClosedLoopLoad.Start(sidecar.Client.BaseAddress!, workers);
        await Poll.UntilAsync(_ => Task.FromResult(load.Answers.Count(a => a.Pod == Victim) >= 50), "nginx in rotation", TimeSpan.FromSeconds(20),
            () => load.Describe(Victim), Ct);

        var inFlight = load.InFlight;
        var frozenAt = load.Elapsed;
        await nginx.FreezeAsync();
        var sinceFreeze = Stopwatch.StartNew();
        await Poll.UntilAsync(async ct => State(await sidecar.PeersAsync(cancellationToken: ct)) == "ejected", $"{Victim} ejected",
            TimeSpan.FromSeconds(10), () => load.Describe(Victim), Ct);
        var ejectedAfter = sinceFreeze.Elapsed;
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        // Keep the load on while the pod stays frozen: what is stuck there must fail over, and nothing new goes there.
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        await load.DisposeAsync();

        var afterFreeze = load.Answers.Where(a => a.At >= frozenAt).ToArray();
        var delayed = afterFreeze.Count(a => a.Took >= PerTry);
        Output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"frozen pod, PerTry {PerTry.TotalMilliseconds} ms, {workers} concurrent: ejected {ejectedAfter.TotalMilliseconds:F0} ms after SIGSTOP " +
            $"({EjectReason(peers)}); {inFlight} requests in flight at the stop; after it: {afterFreeze.Length} answers, {afterFreeze.Count(a => a.Failed)} failed, " +
            $"{delayed} waited PerTry or longer; whole run: {load.Describe(Victim)}"));
        Assert.True(ejectedAfter <= TimeSpan.FromSeconds(2), $"ejected after {ejectedAfter}");
        Assert.True(load.Failed <= inFlight, load.Describe(Victim));
        Assert.True(delayed <= Math.Max(inFlight, 1) * 2, $"{delayed} requests waited for PerTry");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task BlackHoledPod_DefaultConnectTimeout_CostsOneConnectToUnderOnePercent(int workers)
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        // web-1 moves to an address whose SYNs go unanswered.
        await cluster.Pods[Victim].StopAsync();
        var address = LoopbackAddresses.Next();
        using var blackHole = await SynDropPod.StartAsync(new IPEndPoint(address, cluster.Pods.Port), Ct);
        cluster.Service.Pod(Victim).Address = address;
        await cluster.ReloadAsync();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodAddressAsync(Victim, address, cancellationToken: Ct);

        await using var load = ClosedLoopLoad.Start(sidecar.Client.BaseAddress!, workers);
        var sinceStart = Stopwatch.StartNew();
        await Poll.UntilAsync(async ct => State(await sidecar.PeersAsync(cancellationToken: ct)) == "ejected", $"{Victim} ejected",
            TimeSpan.FromSeconds(10), () => load.Describe(Victim), Ct);
        var ejectedAfter = sinceStart.Elapsed;
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        await Task.Delay(TimeSpan.FromSeconds(10), Ct);
        await load.DisposeAsync();

        var answers = load.Answers.ToArray();
        var waited = answers.Count(a => a.Took >= Connect * 0.9);
        var share = (double)waited / answers.Length;
        Output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"black-holed pod, Connect {Connect.TotalMilliseconds} ms, {workers} concurrent: ejected {ejectedAfter.TotalMilliseconds:F0} ms into the load " +
            $"({EjectReason(peers)}); {waited} of {answers.Length} requests ({share:P3}) waited for a connect timeout, the longest {load.Percentile(100):F0} ms; {load.Describe(Victim)}"));
        Assert.Equal(0, load.Failed);
        Assert.True(share <= 0.01, $"{waited} of {answers.Length} requests waited for Timeouts:Connect");
        Assert.True(load.Percentile(100) < (Connect * 2).TotalMilliseconds, "a request waited for more than one connect timeout");
        Assert.DoesNotContain(answers, a => a.Pod == Victim);
    }

    private static JsonElement Pod(JsonElement service) =>
        service.GetProperty("pods").EnumerateArray().Single(p => p.GetProperty("name").GetString() == Victim);

    private static string? State(JsonElement service) => Pod(service).GetProperty("state").GetString();

    private static string EjectReason(JsonElement service) =>
        Pod(service).TryGetProperty("ejectReason", out var reason) ? reason.ToString() : "no reason";
}
