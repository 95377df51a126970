using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>Everything to the lowest usable ordinal (pods are sorted by ordinal; pods without one come last).</summary>
internal sealed class LowestOrdinalPolicy : ILoadBalancingPolicy
{
    public PodState? Pick(ReadOnlySpan<PodState> pods, in PickContext context)
    {
        foreach (var pod in pods)
        {
            if (context.IsCandidate(pod))
            {
                return pod;
            }
        }
        return null;
    }
}
