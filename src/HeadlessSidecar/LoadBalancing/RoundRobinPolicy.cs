using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private uint _next = uint.MaxValue;

    public PodState? Pick(ReadOnlySpan<PodState> pods, in PickContext context)
    {
        var n = pods.Length;
        if (n == 0)
        {
            return null;
        }
        var start = (int)(Interlocked.Increment(ref _next) % (uint)n);
        for (var i = 0; i < n; i++)
        {
            var pod = pods[(start + i) % n];
            if (context.IsCandidate(pod))
            {
                return pod;
            }
        }
        return null;
    }
}
