using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>Two random candidates, the one with fewer requests in flight wins (Mitzenmacher's power of two choices).</summary>
internal sealed class PowerOfTwoChoicesPolicy : ILoadBalancingPolicy
{
    private readonly Random _random;

    public PowerOfTwoChoicesPolicy(Random? random = null)
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
            return b.ActiveRequests < a.ActiveRequests ? b : a;
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
        a = pods[candidates[first]];
        b = pods[candidates[second]];
        return b.ActiveRequests < a.ActiveRequests ? b : a;
    }
}
