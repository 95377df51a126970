using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>
/// Two random candidates, the cheaper wins, where a pod's cost is its <see cref="PodLatency"/> estimate × (requests
/// in flight + 1): Linkerd's balancer. Unlike counting open requests alone it ranks pods for a serial client too,
/// and a slow pod's share falls within a few of its answers; a pod left unmeasured for <see cref="PodLatency.RevisitAfter"/> is sampled again.
/// </summary>
internal sealed class PeakEwmaPolicy : ILoadBalancingPolicy, ICheaperOf
{
    private readonly Random _random;

    public PeakEwmaPolicy(Random? random = null)
    {
        _random = random ?? Random.Shared;
    }

    public PodState? Pick(ReadOnlySpan<PodState> pods, in PickContext context) =>
        TwoChoices.Pick<PeakEwmaPolicy>(pods, context, _random);

    public static PodState Cheaper(PodState a, PodState b) =>
        b.Latency.Cost(b.ActiveRequests) < a.Latency.Cost(a.ActiveRequests) ? b : a;
}
