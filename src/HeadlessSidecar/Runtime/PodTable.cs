using System.Collections.Frozen;

namespace HeadlessSidecar.Runtime;

/// <summary>An immutable routing view of one service's pods, swapped whole when discovery publishes.</summary>
internal sealed class PodTable
{
    public static readonly PodTable Empty = new([]);

    public PodTable(PodState[] pods)
    {
        Pods = pods;
        ByName = pods.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        ByNameSpan = ByName.GetAlternateLookup<ReadOnlySpan<char>>();
        ByOrdinal = pods.Where(p => p.Ordinal is not null).ToFrozenDictionary(p => p.Ordinal!.Value);
    }

    /// <summary>Sorted by ordinal, then name.</summary>
    public PodState[] Pods { get; }

    public FrozenDictionary<string, PodState> ByName { get; }

    public FrozenDictionary<string, PodState>.AlternateLookup<ReadOnlySpan<char>> ByNameSpan { get; }

    public FrozenDictionary<int, PodState> ByOrdinal { get; }
}
