using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>The candidate with the fewest requests in flight; ties rotate so idle pods share the load evenly.</summary>
internal sealed class LeastRequestsPolicy : ILoadBalancingPolicy
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
        PodState? best = null;
        var bestActive = int.MaxValue;
        for (var i = 0; i < n; i++)
        {
            var pod = pods[(start + i) % n];
            if (!context.IsCandidate(pod))
            {
                continue;
            }
            var active = pod.ActiveRequests;
            if (active < bestActive)
            {
                best = pod;
                bestActive = active;
            }
        }
        return best;
    }
}
