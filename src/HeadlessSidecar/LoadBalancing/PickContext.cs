using HeadlessSidecar.Health.Probes;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>What a policy needs besides the pods: which pods this request already tried, and its hash key.</summary>
internal readonly struct PickContext
{
    public PickContext(IReadOnlyList<PodState>? tried, string? hashKey = null, bool ignoreEjection = false, PodRole? role = null)
    {
        Tried = tried;
        HashKey = hashKey;
        IgnoreEjection = ignoreEjection;
        Role = role;
    }

    /// <summary><c>Role: Primary</c> or <c>Replica</c>: only pods last seen in that role are candidates.</summary>
    public PodRole? Role { get; }

    /// <summary>Panic mode: more than half the pods are ejected, so balance over all of them (Envoy's panic threshold).</summary>
    public bool IgnoreEjection { get; }

    public IReadOnlyList<PodState>? Tried { get; }

    /// <summary>The <c>HashHeader</c> value for <c>ConsistentHash</c>; null when the request has none.</summary>
    public string? HashKey { get; }

    public bool IsCandidate(PodState pod)
    {
        if (IgnoreEjection ? pod.Removed : !pod.IsUsable)
        {
            return false;
        }
        if (Role is { } role && pod.Role != role)
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
