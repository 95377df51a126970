using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>The cheaper of two pods, by a policy's own measure (open requests, latency × load).</summary>
internal interface ICheaperOf
{
    /// <summary>The cheaper of the two; <paramref name="a"/> on a tie.</summary>
    static abstract PodState Cheaper(PodState a, PodState b);
}

/// <summary>
/// Two distinct random candidates, the cheaper wins: the draw shared by <see cref="PowerOfTwoChoicesPolicy"/> and
/// <see cref="PeakEwmaPolicy"/>, which differ only in what "cheaper" means (a static type argument, no delegate).
/// </summary>
internal static class TwoChoices
{
    public static PodState? Pick<TCheaper>(ReadOnlySpan<PodState> pods, in PickContext context, Random random)
        where TCheaper : ICheaperOf
    {
        var n = pods.Length;
        if (n == 0)
        {
            return null;
        }
        // Usually every pod is a candidate: try two random draws before counting candidates.
        var a = pods[random.Next(n)];
        var b = pods[random.Next(n)];
        if (!ReferenceEquals(a, b) && context.IsCandidate(a) && context.IsCandidate(b))
        {
            return TCheaper.Cheaper(a, b);
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
        var first = random.Next(count);
        var second = random.Next(count - 1);
        if (second >= first)
        {
            second++;
        }
        return TCheaper.Cheaper(pods[candidates[first]], pods[candidates[second]]);
    }
}
