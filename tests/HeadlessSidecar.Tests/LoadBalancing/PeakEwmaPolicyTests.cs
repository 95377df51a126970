using HeadlessSidecar.LoadBalancing;
using HeadlessSidecar.Runtime;
using HeadlessSidecar.Tests.Routing;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.LoadBalancing;

public class PeakEwmaPolicyTests
{
    private readonly FakeTimeProvider _time = new();

    private ServiceRuntime Web(params int[] ordinals) =>
        TestServices.Create(TestServices.Options(), "nginx-headless.default.svc.cluster.local", _time,
            ordinals.Select(o => TestServices.Pod($"web-{o}", o, $"127.0.0.{21 + o}")).ToArray()).Runtime;

    /// <summary>A serial client: each pick is answered after its pod's latency before the next one; returns picks per pod.</summary>
    private Dictionary<string, int> Serial(PeakEwmaPolicy policy, PodState[] pods, Func<PodState, TimeSpan> latency, TimeSpan duration)
    {
        var counts = pods.ToDictionary(p => p.Name, _ => 0);
        var end = _time.GetUtcNow() + duration;
        while (_time.GetUtcNow() < end)
        {
            var pod = policy.Pick(pods, new PickContext(null))!;
            counts[pod.Name]++;
            var started = pod.Latency.Now();
            _time.Advance(latency(pod));
            pod.Latency.Observe(started);
        }
        return counts;
    }

    private static TimeSpan TenTimesSlower(PodState pod) => TimeSpan.FromMilliseconds(pod.Name == "web-2" ? 50 : 5);

    [Fact]
    public void Pick_SerialClientSlowPod_SlowPodGetsUnderOnePercent()
    {
        using var web = Web(0, 1, 2);
        var counts = Serial(new PeakEwmaPolicy(new Random(7)), web.Table.Pods, TenTimesSlower, TimeSpan.FromSeconds(10));
        var share = (double)counts["web-2"] / counts.Values.Sum();
        Assert.True(share < 0.01, $"web-2 got {counts["web-2"]} of {counts.Values.Sum()}");
    }

    [Fact]
    public void Pick_SlowPodRecovers_ShareComesBackWithinDecay()
    {
        using var web = Web(0, 1, 2);
        var policy = new PeakEwmaPolicy(new Random(7));
        Serial(policy, web.Table.Pods, TenTimesSlower, TimeSpan.FromSeconds(10));
        // Recovered: the decay brings its cost under its peers' within DecayTime × ln 10 (23 s), then samples rank it.
        Serial(policy, web.Table.Pods, _ => TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(30));
        var after = Serial(policy, web.Table.Pods, _ => TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(5));
        var share = (double)after["web-2"] / after.Values.Sum();
        Assert.True(share > 0.15, $"web-2 got {after["web-2"]} of {after.Values.Sum()}");
    }

    [Fact]
    public void Pick_EqualLatency_BusyPodLoses()
    {
        using var web = Web(0, 1);
        var pods = web.Table.Pods;
        foreach (var pod in pods)
        {
            var started = pod.Latency.Now();
            _time.Advance(TimeSpan.FromMilliseconds(5));
            pod.Latency.Observe(started);
        }
        pods[0].RequestStarted();
        var policy = new PeakEwmaPolicy(new Random(3));
        for (var i = 0; i < 20; i++)
        {
            Assert.Same(pods[1], policy.Pick(pods, new PickContext(null)));
        }
    }

    [Fact]
    public void Pick_NewPod_TriedWhileIdleAndAvoidedWhileItsFirstRequestIsOpen()
    {
        using var web = Web(0, 1);
        var pods = web.Table.Pods;
        var started = pods[0].Latency.Now();
        _time.Advance(TimeSpan.FromMilliseconds(5));
        pods[0].Latency.Observe(started);
        var policy = new PeakEwmaPolicy(new Random(3));
        Assert.Same(pods[1], policy.Pick(pods, new PickContext(null)));
        pods[1].RequestStarted();
        Assert.Same(pods[0], policy.Pick(pods, new PickContext(null)));
    }

    [Fact]
    public void Pick_FailingPod_AvoidedAfterOneFailure()
    {
        using var web = Web(0, 1, 2);
        var pods = web.Table.Pods;
        var policy = new PeakEwmaPolicy(new Random(11));
        Serial(policy, pods, _ => TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1));
        // web-1 answers a fast 503: a failure is charged at least FailurePenalty, so it must not look fast.
        var started = pods[1].Latency.Now();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        pods[1].Latency.ObserveFailure(started);
        var counts = Serial(policy, pods, _ => TimeSpan.FromMilliseconds(5), PodLatency.RevisitAfter - TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, counts["web-1"]);

        // Then it is revisited: one request measures it again, and a pod that answers fast now takes its share back.
        counts = Serial(policy, pods, _ => TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(2));
        Assert.True(counts["web-1"] > 20, $"web-1 got {counts["web-1"]} of {counts.Values.Sum()}");
    }

    [Fact]
    public void Pick_TriedAndSingleCandidate_HonoursContext()
    {
        using var web = Web(0, 1, 2);
        var pods = web.Table.Pods;
        var policy = new PeakEwmaPolicy(new Random(1));
        Assert.Same(pods[2], policy.Pick(pods, new PickContext([pods[0], pods[1]])));
        Assert.Null(policy.Pick(pods, new PickContext(pods)));
        Assert.Null(policy.Pick([], new PickContext(null)));
    }
}
