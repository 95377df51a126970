using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>Two random candidates, the one with fewer requests in flight wins (Mitzenmacher's power of two choices).</summary>
internal sealed class PowerOfTwoChoicesPolicy : ILoadBalancingPolicy, ICheaperOf
{
    private readonly Random _random;

    public PowerOfTwoChoicesPolicy(Random? random = null)
    {
        _random = random ?? Random.Shared;
    }

    public PodState? Pick(ReadOnlySpan<PodState> pods, in PickContext context) =>
        TwoChoices.Pick<PowerOfTwoChoicesPolicy>(pods, context, _random);

    public static PodState Cheaper(PodState a, PodState b) => b.ActiveRequests < a.ActiveRequests ? b : a;
}
