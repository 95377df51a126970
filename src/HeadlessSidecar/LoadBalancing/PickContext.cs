using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HeadlessSidecar.Health.Probes;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>
/// What a policy needs besides the pods: which pods this request already tried, and its hash key. A ref struct
/// so the tried pods can be any span (a list's, an array's, a caller's stack buffer) without a copy.
/// </summary>
internal readonly ref struct PickContext
{
    // Only for a tried list that is neither an array nor a List<T>: read through the interface rather than copied.
    private readonly IReadOnlyList<PodState>? _triedList;

    /// <summary>Over the tried pods of a list: read in place, as a span when it is a <see cref="List{T}"/> or an array.</summary>
    public PickContext(IReadOnlyList<PodState>? tried, string? hashKey = null, bool ignoreEjection = false, PodRole? role = null)
        : this(ReadOnlySpan<PodState>.Empty, hashKey, ignoreEjection, role)
    {
        switch (tried)
        {
            case PodState[] array:
                Tried = array;
                break;
            case List<PodState> list:
                Tried = CollectionsMarshal.AsSpan(list);
                break;
            default:
                _triedList = tried;
                break;
        }
    }

    // Preferred where both apply (a null, an array or a collection expression): the span reads them in place.
    [OverloadResolutionPriority(1)]
    public PickContext(ReadOnlySpan<PodState> tried, string? hashKey = null, bool ignoreEjection = false, PodRole? role = null)
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

    /// <summary>The pods tried so far (another kind of list than an array or a <see cref="List{T}"/> is read as it is).</summary>
    public ReadOnlySpan<PodState> Tried { get; }

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
        foreach (var tried in Tried)
        {
            if (ReferenceEquals(tried, pod))
            {
                return false;
            }
        }
        if (_triedList is { } list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (ReferenceEquals(list[i], pod))
                {
                    return false;
                }
            }
        }
        return true;
    }
}
