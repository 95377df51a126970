using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>Chooses a pod for a balanced request among the candidates of <paramref name="context"/>; null when none.</summary>
internal interface ILoadBalancingPolicy
{
    PodState? Pick(ReadOnlySpan<PodState> pods, in PickContext context);
}
