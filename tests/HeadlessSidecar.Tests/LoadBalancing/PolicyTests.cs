using HeadlessSidecar.LoadBalancing;
using HeadlessSidecar.Runtime;
using HeadlessSidecar.Tests.Routing;

namespace HeadlessSidecar.Tests.LoadBalancing;

public class PolicyTests
{
    private static Dictionary<string, int> Spread(ILoadBalancingPolicy policy, PodState[] pods, int picks)
    {
        var counts = pods.ToDictionary(p => p.Name, _ => 0);
        for (var i = 0; i < picks; i++)
        {
            counts[policy.Pick(pods, new PickContext(null))!.Name]++;
        }
        return counts;
    }

    [Fact]
    public void RoundRobin_ThreePods_SpreadsEvenly()
    {
        using var web = TestServices.Web(0, 1, 2);
        var counts = Spread(new RoundRobinPolicy(), web.Table.Pods, 300);
        Assert.All(counts.Values, c => Assert.Equal(100, c));
    }

    [Fact]
    public void RoundRobin_SkipsTriedPods()
    {
        using var web = TestServices.Web(0, 1, 2);
        var pods = web.Table.Pods;
        var policy = new RoundRobinPolicy();
        for (var i = 0; i < 10; i++)
        {
            var pick = policy.Pick(pods, new PickContext([pods[0], pods[2]]));
            Assert.Same(pods[1], pick);
        }
        Assert.Null(policy.Pick(pods, new PickContext(pods)));
    }

    [Fact]
    public void AnyPolicy_NoPods_ReturnsNull()
    {
        Assert.Null(new RoundRobinPolicy().Pick([], new PickContext(null)));
        Assert.Null(new LeastRequestsPolicy().Pick([], new PickContext(null)));
        Assert.Null(new PowerOfTwoChoicesPolicy().Pick([], new PickContext(null)));
        Assert.Null(new LowestOrdinalPolicy().Pick([], new PickContext(null)));
    }

    [Fact]
    public void LeastRequests_PrefersIdlePod()
    {
        using var web = TestServices.Web(0, 1, 2);
        var pods = web.Table.Pods;
        pods[0].RequestStarted();
        pods[0].RequestStarted();
        pods[2].RequestStarted();
        Assert.Same(pods[1], new LeastRequestsPolicy().Pick(pods, new PickContext(null)));
    }

    [Fact]
    public void LeastRequests_AllIdle_RotatesTies()
    {
        using var web = TestServices.Web(0, 1, 2);
        var counts = Spread(new LeastRequestsPolicy(), web.Table.Pods, 300);
        Assert.All(counts.Values, c => Assert.Equal(100, c));
    }

    [Fact]
    public void PowerOfTwoChoices_BusyPod_GetsLessTraffic()
    {
        using var web = TestServices.Web(0, 1, 2);
        var pods = web.Table.Pods;
        for (var i = 0; i < 5; i++)
        {
            pods[0].RequestStarted();
        }
        var counts = Spread(new PowerOfTwoChoicesPolicy(new Random(42)), pods, 3_000);
        // web-0 only wins when drawn twice (or paired with itself): about 1/9 of picks at most.
        Assert.True(counts["web-0"] < 3_000 / 6, $"web-0 got {counts["web-0"]}");
        Assert.True(counts["web-1"] > 1_000 && counts["web-2"] > 1_000);
    }

    [Fact]
    public void PowerOfTwoChoices_OneCandidateLeft_ReturnsIt()
    {
        using var web = TestServices.Web(0, 1, 2);
        var pods = web.Table.Pods;
        Assert.Same(pods[2], new PowerOfTwoChoicesPolicy(new Random(1)).Pick(pods, new PickContext([pods[0], pods[1]])));
    }

    [Fact]
    public void LowestOrdinal_PicksLowestCandidate()
    {
        using var web = TestServices.Web(0, 1, 2);
        var pods = web.Table.Pods;
        var policy = new LowestOrdinalPolicy();
        Assert.Same(pods[0], policy.Pick(pods, new PickContext(null)));
        Assert.Same(pods[1], policy.Pick(pods, new PickContext([pods[0]])));
    }
}
