using HeadlessSidecar.Configuration;
using HeadlessSidecar.Tests.Routing;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Runtime;

public class ServiceRuntimeTests
{
    private static readonly string Fqdn = "nginx-headless.default.svc.cluster.local";

    private static (HeadlessSidecar.Runtime.ServiceRuntime Runtime, FakeTimeProvider Time) Create(int pods, Action<ServiceOptions>? configure = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var options = TestServices.Options();
        configure?.Invoke(options);
        var (runtime, _) = TestServices.Create(options, Fqdn, time,
            Enumerable.Range(0, pods).Select(i => TestServices.Pod($"web-{i}", i, $"127.0.0.{21 + i}")).ToArray());
        return (runtime, time);
    }

    [Fact]
    public void RecordFailure_ConsecutiveFailures_EjectsAndBalancingSkipsThePod()
    {
        var (web, _) = Create(3, o => o.Health.ConsecutiveFailures = 2);
        using (web)
        {
            var pods = web.Table.Pods;
            web.RecordFailure(pods[1], "connect_error");
            Assert.True(pods[1].IsUsable);
            web.RecordFailure(pods[1], "connect_error");
            Assert.False(pods[1].IsUsable);
            for (var i = 0; i < 30; i++)
            {
                Assert.NotSame(pods[1], web.PickBalanced(null, null));
            }
        }
    }

    [Fact]
    public void RecordFailure_Unresponsive_EjectsAtOnceAndForgetsTheLatency()
    {
        var (web, time) = Create(3);
        using (web)
        {
            var pod = web.Table.Pods[1];
            var started = pod.Latency.Now();
            time.Advance(TimeSpan.FromSeconds(1));
            pod.Latency.ObserveFailure(started);
            web.RecordFailure(pod, "connect_error", unresponsive: true);
            Assert.False(pod.IsUsable);
            Assert.Equal("connect_error", pod.Health.EjectReason);
            // Back after EjectFor it is tried at once, not kept out by the second it cost before.
            Assert.False(pod.Latency.HasSample);
        }
    }

    [Fact]
    public void RecordFailure_UnresponsiveButPanicGuard_NotEjected()
    {
        var (web, _) = Create(1);
        using (web)
        {
            var pod = web.Table.Pods[0];
            web.RecordFailure(pod, "timeout", unresponsive: true);
            Assert.True(pod.IsUsable);
        }
    }

    [Fact]
    public void RecordFailure_EjectFor_PodReturnsWithoutActiveHealth()
    {
        var (web, time) = Create(3, o => o.Health.ConsecutiveFailures = 1);
        using (web)
        {
            var pod = web.Table.Pods[0];
            web.RecordFailure(pod, "reset");
            Assert.False(pod.IsUsable);
            time.Advance(TimeSpan.FromSeconds(10));
            Assert.True(pod.IsUsable);
        }
    }

    [Fact]
    public void PanicGuard_TwoOfThreeFailing_OnlyOneEjected()
    {
        var (web, _) = Create(3, o => o.Health.ConsecutiveFailures = 1);
        using (web)
        {
            var pods = web.Table.Pods;
            web.RecordFailure(pods[0], "connect_error");
            web.RecordFailure(pods[1], "connect_error");
            Assert.Equal(1, pods.Count(p => p.Health.IsEjected));
        }
    }

    [Fact]
    public void Ready_OnlyOnceAnAnsweredSnapshotIsInThePodTable()
    {
        var options = TestServices.Options();
        var endpoints = new HeadlessSidecar.Discovery.ServiceEndpoints("web", "nginx-headless");
        var seenInHandler = new List<(bool Ready, int Pods)>();
        using var web = new HeadlessSidecar.Runtime.ServiceRuntime(options, endpoints, TestServices.Metrics, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.False(web.Ready);
        // A subscriber registered after the runtime sees the table already applied with the readiness.
        endpoints.Changed += (_, _) => seenInHandler.Add((web.Ready, web.Table.Pods.Length));
        endpoints.Publish(TestServices.Snapshot("web", Fqdn, [TestServices.Pod("web-0", 0, "127.0.0.21")], 1));
        Assert.True(web.Ready);
        Assert.Equal([(true, 1)], seenInHandler);
    }

    [Fact]
    public void HasUntriedCandidate_AllTried_False()
    {
        var (web, _) = Create(2);
        using (web)
        {
            var pods = web.Table.Pods;
            Assert.True(web.HasUntriedCandidate([pods[0]]));
            Assert.False(web.HasUntriedCandidate([pods[0], pods[1]]));
        }
    }

    [Fact]
    public void HasUntriedCandidate_EmptyOrPartlyTried_True()
    {
        var (web, _) = Create(2);
        using (web)
        {
            var pods = web.Table.Pods;
            Assert.True(web.HasUntriedCandidate([pods[0]]));
            Assert.False(web.HasUntriedCandidate([pods[0], pods[1]]));
            Assert.True(web.HasUntriedCandidate([]));
        }
    }

    [Fact]
    public void PickBalanced_SkipsTheTriedPods()
    {
        var (web, _) = Create(3);
        using (web)
        {
            var pods = web.Table.Pods;
            for (var i = 0; i < 10; i++)
            {
                Assert.Same(pods[1], web.PickBalanced([pods[0], pods[2]], null));
            }
            Assert.Null(web.PickBalanced([pods[0], pods[1], pods[2]], null));
        }
    }

    [Fact]
    public void PickBalanced_AnyReadOnlyList_SkipsTheTriedPods()
    {
        var (web, _) = Create(3);
        using (web)
        {
            var pods = web.Table.Pods;
            IReadOnlyList<HeadlessSidecar.Runtime.PodState> list = new List<HeadlessSidecar.Runtime.PodState> { pods[0], pods[2] };
            IReadOnlyList<HeadlessSidecar.Runtime.PodState> array = new[] { pods[0], pods[2] };
            IReadOnlyList<HeadlessSidecar.Runtime.PodState> other = new System.Collections.ObjectModel.ReadOnlyCollection<HeadlessSidecar.Runtime.PodState>([pods[0], pods[2]]);
            for (var i = 0; i < 10; i++)
            {
                Assert.Same(pods[1], web.PickBalanced(list, null));
                Assert.Same(pods[1], web.PickBalanced(array, null));
                Assert.Same(pods[1], web.PickBalanced(other, null));
            }
            Assert.True(web.HasUntriedCandidate(other));
        }
    }

    [Fact]
    public void SlowStartFactor_RampsLinearlyOverTheWindow()
    {
        var (web, time) = Create(1, o => o.SlowStart = TimeSpan.FromSeconds(10));
        using (web)
        {
            var pod = web.Table.Pods[0];
            Assert.Equal(0.05, pod.SlowStartFactor(TimeSpan.FromSeconds(10), time.GetUtcNow()));
            time.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(0.5, pod.SlowStartFactor(TimeSpan.FromSeconds(10), time.GetUtcNow()), 3);
            time.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(1, pod.SlowStartFactor(TimeSpan.FromSeconds(10), time.GetUtcNow()));
            Assert.Equal(1, pod.SlowStartFactor(TimeSpan.Zero, time.GetUtcNow()));
        }
    }

    [Fact]
    public void PickBalanced_SlowStart_NewPodRampsUpBesideAWarmOne()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var options = TestServices.Options();
        options.SlowStart = TimeSpan.FromSeconds(60);
        // Round-robin's exact spread makes the ramp's shares exact.
        options.LoadBalancing = LoadBalancingMode.RoundRobin;
        var web0 = TestServices.Pod("web-0", 0, "127.0.0.21");
        var (web, endpoints) = TestServices.Create(options, Fqdn, time, web0);
        using (web)
        {
            time.Advance(TimeSpan.FromSeconds(60));
            endpoints.Publish(TestServices.Snapshot("web", Fqdn, [web0, TestServices.Pod("web-1", 1, "127.0.0.22")], 2));
            int Share()
            {
                var count = 0;
                for (var i = 0; i < 4_000; i++)
                {
                    count += web.PickBalanced(null, null)!.Name == "web-1" ? 1 : 0;
                }
                return count;
            }
            var atStart = Share();
            time.Advance(TimeSpan.FromSeconds(30));
            var halfway = Share();
            time.Advance(TimeSpan.FromSeconds(30));
            var warm = Share();
            // Round-robin offers web-1 half the picks; it keeps its ramp's share of them: ~5 %, ~50 %, 100 %.
            Assert.InRange(atStart, 40, 250);
            Assert.InRange(halfway, 800, 1_200);
            Assert.Equal(2_000, warm);
        }
    }

    [Fact]
    public void PickBalanced_PeakEwmaSlowStart_NewPodKeepsItsRampShare()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var options = TestServices.Options();
        options.SlowStart = TimeSpan.FromSeconds(60);
        var web0 = TestServices.Pod("web-0", 0, "127.0.0.21");
        var (web, endpoints) = TestServices.Create(options, Fqdn, time, web0);
        using (web)
        {
            time.Advance(TimeSpan.FromSeconds(60));
            endpoints.Publish(TestServices.Snapshot("web", Fqdn, [web0, TestServices.Pod("web-1", 1, "127.0.0.22")], 2));
            var count = 0;
            for (var i = 0; i < 4_000; i++)
            {
                var pod = web.PickBalanced(null, null)!;
                count += pod.Name == "web-1" ? 1 : 0;
                var started = pod.Latency.Now();
                time.Advance(TimeSpan.FromMilliseconds(1));
                pod.Latency.Observe(started);
            }
            // Unsampled, then as fast as web-0: the policy offers web-1 about half the picks (or all of them while
            // it is unsampled); the ramp keeps ~5 % of those.
            Assert.InRange(count, 40, 400);
        }
    }

    [Fact]
    public void RecordFailover_TwoMoves_KeptNewestFirstWithTheClocksTime()
    {
        var (web, time) = Create(3);
        using (web)
        {
            var pods = web.Table.Pods;
            web.RecordFailover(pods[0], pods[1], "connect_error");
            time.Advance(TimeSpan.FromSeconds(3));
            web.RecordFailover(pods[1], pods[2], "status_503");

            Assert.Equal(
                [
                    new HeadlessSidecar.Runtime.FailoverRecord(DateTimeOffset.UnixEpoch.AddSeconds(3), "web-1", "web-2", "status_503"),
                    new HeadlessSidecar.Runtime.FailoverRecord(DateTimeOffset.UnixEpoch, "web-0", "web-1", "connect_error"),
                ],
                web.Failovers.Recent);
            Assert.Equal(2, web.Failovers.Total);
        }
    }

    [Fact]
    public void NoteServingPod_LowestOrdinalEjected_RecordsAnEjectedFailover()
    {
        var (web, _) = Create(3, o => o.Health.ConsecutiveFailures = 1);
        using (web)
        {
            var pods = web.Table.Pods;
            web.NoteServingPod(pods[0]);
            web.RecordFailure(pods[0], "connect_error");
            web.NoteServingPod(pods[1]);

            var failover = Assert.Single(web.Failovers.Recent);
            Assert.Equal(("web-0", "web-1", "ejected"), (failover.From, failover.To, failover.Reason));
        }
    }
}
