using HeadlessSidecar.LoadBalancing;
using HeadlessSidecar.Runtime;
using HeadlessSidecar.Tests.Routing;

namespace HeadlessSidecar.Tests.LoadBalancing;

public class ConsistentHashPolicyTests
{
    private const string Fqdn = "nginx-headless.default.svc.cluster.local";

    private static readonly string[] Keys = Enumerable.Range(0, 10_000).Select(i => $"user-{i}").ToArray();

    private static void Report(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    private static ServiceRuntime Pods(int count) => TestServices.Web(Enumerable.Range(0, count).ToArray());

    private static string[] Assign(ILoadBalancingPolicy policy, ReadOnlySpan<PodState> pods, IReadOnlyList<PodState>? tried = null)
    {
        var names = new string[Keys.Length];
        for (var i = 0; i < Keys.Length; i++)
        {
            names[i] = policy.Pick(pods, new PickContext(tried, Keys[i]))!.Name;
        }
        return names;
    }

    private static PodState[] Without(PodState[] pods, int index) => pods.Where((_, i) => i != index).ToArray();

    [Fact]
    public void Pick_SameKey_SamePodEveryTime()
    {
        using var web = Pods(10);
        var pods = web.Table.Pods;
        var policy = new ConsistentHashPolicy();
        var first = policy.Pick(pods, new PickContext(null, "tenant-42"));
        for (var i = 0; i < 100; i++)
        {
            Assert.Same(first, policy.Pick(pods, new PickContext(null, "tenant-42")));
        }
    }

    [Fact]
    public void Pick_NewPolicyInstances_AgreeOnEveryKey()
    {
        using var web = Pods(10);
        var pods = web.Table.Pods;
        Assert.Equal(Assign(new ConsistentHashPolicy(), pods), Assign(new ConsistentHashPolicy(), pods));
    }

    [Fact]
    public void Pick_KnownKeys_MatchPinnedAssignment()
    {
        // Sidecars of every app replica, and of every version during a rollout, must agree: changing the hash
        // re-shards every key, so this pins it.
        using var web = Pods(10);
        var pods = web.Table.Pods;
        var policy = new ConsistentHashPolicy();
        string[] keys = ["a", "b", "c", "tenant-1", "tenant-2", "order-12345", "web-0", ""];
        var picked = keys.Select(k => policy.Pick(pods, new PickContext(null, k))!.Name).ToArray();
        Report($"pinned: {string.Join(", ", keys.Zip(picked, (k, p) => $"'{k}'->{p}"))}");
        Assert.Equal(["web-5", "web-0", "web-0", "web-4", "web-3", "web-8", "web-7", "web-5"], picked);
    }

    [Fact]
    public void Pick_TenThousandKeysTenPods_SpreadsEvenly()
    {
        using var web = Pods(10);
        var loads = Assign(new ConsistentHashPolicy(), web.Table.Pods).CountBy(n => n).ToDictionary();
        var max = loads.Values.Max();
        var min = loads.Values.Min();
        var ratio = (double)max / min;
        Report($"10,000 keys over 10 pods: max {max}, min {min}, max/min {ratio:F3}");
        Assert.Equal(10, loads.Count);
        // Binomial noise alone gives about 1.1; scoring without the final mix (key ^ name, key + name) gives 8 to 50.
        Assert.True(ratio <= 1.25, $"max/min load {ratio:F3} (max {max}, min {min})");
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    public void Pick_OnePodRemoved_OnlyItsKeysMove(int n)
    {
        using var web = Pods(n);
        var pods = web.Table.Pods;
        var policy = new ConsistentHashPolicy();
        var before = Assign(policy, pods);
        var worst = 0.0;
        for (var removed = 0; removed < n; removed++)
        {
            var after = Assign(policy, Without(pods, removed));
            var moved = 0;
            for (var i = 0; i < Keys.Length; i++)
            {
                if (before[i] != after[i])
                {
                    Assert.Equal(pods[removed].Name, before[i]);
                    moved++;
                }
                else
                {
                    Assert.NotEqual(pods[removed].Name, before[i]);
                }
            }
            var fraction = (double)moved / Keys.Length;
            worst = Math.Max(worst, fraction);
            Assert.True(fraction <= 1.3 / n, $"removing {pods[removed].Name} of {n} moved {fraction:P2} of keys (1/N = {1.0 / n:P2})");
        }
        Report($"N={n}: removing one pod moves at most {worst:P2} of keys (1/N = {1.0 / n:P2})");
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    public void Pick_OnePodAdded_OnlyKeysOfNewPodMove(int n)
    {
        using var web = Pods(n + 1);
        var pods = web.Table.Pods;
        var added = pods[n];
        var policy = new ConsistentHashPolicy();
        var before = Assign(policy, pods.AsSpan(0, n));
        var after = Assign(policy, pods);
        var moved = 0;
        for (var i = 0; i < Keys.Length; i++)
        {
            if (before[i] != after[i])
            {
                Assert.Equal(added.Name, after[i]);
                moved++;
            }
        }
        var fraction = (double)moved / Keys.Length;
        Report($"N={n}: adding {added.Name} moves {fraction:P2} of keys (1/(N+1) = {1.0 / (n + 1):P2})");
        Assert.True(fraction <= 1.3 / (n + 1), $"adding a pod to {n} moved {fraction:P2} of keys");
    }

    [Fact]
    public void Pick_PodAtNewAddress_KeepsItsKeys()
    {
        var endpoints = Enumerable.Range(0, 10).Select(o => TestServices.Pod($"web-{o}", o, $"127.0.0.{21 + o}")).ToArray();
        var (runtime, discovered) = TestServices.Create(TestServices.Options(), Fqdn, endpoints);
        using var _ = runtime;
        var policy = new ConsistentHashPolicy();
        var oldPod = runtime.Table.Pods[3];
        var before = Assign(policy, runtime.Table.Pods);

        endpoints[3] = TestServices.Pod("web-3", 3, "127.0.0.99");
        discovered.Publish(TestServices.Snapshot("web", Fqdn, endpoints, 2));

        var newPod = runtime.Table.Pods[3];
        Assert.NotSame(oldPod, newPod);
        Assert.Equal("127.0.0.99", newPod.Endpoint.Address.ToString());
        Assert.Contains("web-3", before);
        Assert.Equal(before, Assign(policy, runtime.Table.Pods));
    }

    [Fact]
    public void Pick_NameCaseDiffers_SameAssignment()
    {
        using var lower = Pods(10);
        var upper = TestServices.Create(TestServices.Options(), Fqdn,
            Enumerable.Range(0, 10).Select(o => TestServices.Pod($"WEB-{o}", o, $"127.0.0.{21 + o}")).ToArray()).Runtime;
        using var _ = upper;
        var expected = Assign(new ConsistentHashPolicy(), lower.Table.Pods);
        var actual = Assign(new ConsistentHashPolicy(), upper.Table.Pods).Select(n => n.ToLowerInvariant());
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Pick_TriedPod_KeysGoToNextChoiceAndReturn()
    {
        using var web = Pods(10);
        var pods = web.Table.Pods;
        var excluded = pods[3];
        var policy = new ConsistentHashPolicy();
        var before = Assign(policy, pods);
        var during = Assign(policy, pods, [excluded]);
        var nextChoice = Assign(policy, Without(pods, 3));
        for (var i = 0; i < Keys.Length; i++)
        {
            Assert.NotEqual(excluded.Name, during[i]);
            if (before[i] != excluded.Name)
            {
                Assert.Equal(before[i], during[i]);
            }
        }
        // A tried pod is the same as a pod gone: its keys land where they would without it.
        Assert.Equal(nextChoice, during);
        Assert.Equal(before, Assign(policy, pods));
    }

    [Fact]
    public void Pick_RemovedPod_KeysGoToNextChoice()
    {
        using var web = Pods(10);
        var pods = web.Table.Pods;
        var policy = new ConsistentHashPolicy();
        var nextChoice = Assign(policy, Without(pods, 7));
        pods[7].MarkRemoved();
        Assert.Equal(nextChoice, Assign(policy, pods));
    }

    [Fact]
    public void Pick_AllCandidatesExcluded_ReturnsNull()
    {
        using var web = Pods(3);
        var pods = web.Table.Pods;
        var policy = new ConsistentHashPolicy();
        Assert.Null(policy.Pick(pods, new PickContext(pods, "tenant-42")));
        Assert.Null(policy.Pick([], new PickContext(null, "tenant-42")));
        Assert.Null(policy.Pick([], new PickContext(null)));
    }

    [Fact]
    public void Pick_NoKey_RoundRobins()
    {
        using var web = Pods(3);
        var pods = web.Table.Pods;
        var policy = new ConsistentHashPolicy();
        var counts = pods.ToDictionary(p => p.Name, _ => 0);
        for (var i = 0; i < 300; i++)
        {
            counts[policy.Pick(pods, new PickContext(null))!.Name]++;
        }
        Assert.All(counts.Values, c => Assert.Equal(100, c));
        Assert.Same(pods[1], policy.Pick(pods, new PickContext([pods[0], pods[2]])));
    }

    [Fact]
    public void Pick_WithKey_AllocatesNothing()
    {
        using var web = Pods(10);
        var pods = web.Table.Pods;
        IReadOnlyList<PodState> tried = [pods[0]];
        var policy = new ConsistentHashPolicy();
        Assign(policy, pods, tried);

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Keys.Length; i++)
        {
            policy.Pick(pods, new PickContext(null, Keys[i]));
            policy.Pick(pods, new PickContext(tried, Keys[i]));
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Equal(0, allocated);
    }
}
