using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>What a policy needs besides the pods: which pods this request already tried.</summary>
internal readonly struct PickContext
{
    public PickContext(IReadOnlyList<PodState>? tried)
    {
        Tried = tried;
    }

    public IReadOnlyList<PodState>? Tried { get; }

    public bool IsCandidate(PodState pod)
    {
        if (!pod.IsUsable)
        {
            return false;
        }
        if (Tried is { } tried)
        {
            for (var i = 0; i < tried.Count; i++)
            {
                if (ReferenceEquals(tried[i], pod))
                {
                    return false;
                }
            }
        }
        return true;
    }
}
