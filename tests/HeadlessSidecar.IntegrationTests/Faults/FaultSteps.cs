using System.Net;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>What the rows of the matrix share: the load's shape, moving a pod, watching the sidecar's view of it.</summary>
internal static class FaultSteps
{
    /// <summary>Closed-loop clients of the background load (the app's concurrency).</summary>
    public const int Clients = 4;

    /// <summary>Every pod's own answer time under the load: there is always something in flight to lose.</summary>
    public const string LoadPath = "/delay/2";

    /// <summary>How long the load runs around a fault that needs no longer.</summary>
    public static readonly TimeSpan RowLoad = TimeSpan.FromSeconds(6);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Stops pod <paramref name="name"/> and points its DNS record at a fresh address, where the caller puts a
    /// misbehaving stand-in; returns that endpoint (same port as the set).
    /// </summary>
    public static async Task<IPEndPoint> MovePodAsync(TestCluster cluster, string name)
    {
        await cluster.Pods[name].StopAsync();
        var address = LoopbackAddresses.Next();
        cluster.Service.Pod(name).Address = address;
        await cluster.ReloadAsync();
        return new IPEndPoint(address, cluster.Pods.Port);
    }

    /// <summary>The pod's <c>state</c> in /debug/peers (<c>healthy</c>, <c>ejected</c>), or null when it is not in the set.</summary>
    public static async Task<string?> PodStateAsync(TestSidecar sidecar, string pod, CancellationToken cancellationToken)
    {
        var peers = await sidecar.PeersAsync(cancellationToken: cancellationToken);
        return peers.GetProperty("pods").EnumerateArray().Where(p => p.GetProperty("name").GetString() == pod)
            .Select(p => p.GetProperty("state").GetString()).FirstOrDefault();
    }

    /// <summary>Waits until pod <paramref name="pod"/> is in <paramref name="state"/>; returns when that was seen, on the load's clock.</summary>
    public static async Task<double> WaitForPodStateAsync(TestSidecar sidecar, FaultLoad load, string pod, string state, TimeSpan timeout)
    {
        await Poll.UntilAsync(async ct => await PodStateAsync(sidecar, pod, ct) == state, $"{pod} {state}", timeout, cancellationToken: Ct);
        return load.Now;
    }

    /// <summary>Waits for <paramref name="condition"/>; returns when it held, on the load's clock.</summary>
    public static async Task<double> WaitUntilAsync(FaultLoad load, Func<CancellationToken, Task<bool>> condition, string what, TimeSpan timeout)
    {
        await Poll.UntilAsync(condition, what, timeout, cancellationToken: Ct);
        return load.Now;
    }

    /// <summary>The row as measured: requests from the load, failovers from the sidecar's /metrics.</summary>
    public static FaultRow Row(string fault, FaultLoad load, string metrics, string figures, string bound) =>
        new(fault, load.Sent, load.Failed, FaultMetrics.Failovers(metrics), load.Percentile(99), figures, bound);

    public static string Ms(double seconds) => $"{seconds * 1000:0} ms";
}
