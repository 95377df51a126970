using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>
/// Two random candidates, the cheaper wins, where a pod's cost is its <see cref="PodLatency"/> estimate × (requests
/// in flight + 1): Linkerd's balancer. Unlike counting open requests alone it ranks pods for a serial client too,
/// and a slow pod's share falls within a few of its answers; the estimate's decay brings it back to be sampled.
/// </summary>
internal sealed class PeakEwmaPolicy : ILoadBalancingPolicy
{
    private readonly Random _random;

    public PeakEwmaPolicy(Random? random = null)
    {
        _random = random ?? Random.Shared;
    }

    public PodState? Pick(ReadOnlySpan<PodState> pods, in PickContext context)
    {
        var n = pods.Length;
        if (n == 0)
        {
            return null;
        }
        // Usually every pod is a candidate: try two random draws before counting candidates.
        var a = pods[_random.Next(n)];
        var b = pods[_random.Next(n)];
        if (!ReferenceEquals(a, b) && context.IsCandidate(a) && context.IsCandidate(b))
        {
            return Cheaper(a, b);
        }
        Span<int> candidates = n <= 256 ? stackalloc int[n] : new int[n];
        var count = 0;
        for (var i = 0; i < n; i++)
        {
            if (context.IsCandidate(pods[i]))
            {
                candidates[count++] = i;
            }
        }
        switch (count)
        {
            case 0:
                return null;
            case 1:
                return pods[candidates[0]];
        }
        var first = _random.Next(count);
        var second = _random.Next(count - 1);
        if (second >= first)
        {
            second++;
        }
        return Cheaper(pods[candidates[first]], pods[candidates[second]]);
    }

    private static PodState Cheaper(PodState a, PodState b) =>
        b.Latency.Cost(b.ActiveRequests) < a.Latency.Cost(a.ActiveRequests) ? b : a;
}
