namespace HeadlessSidecar.Discovery;

/// <summary>What changed between two snapshots, pod by pod (keyed by pod name).</summary>
public sealed record SnapshotDiff(
    IReadOnlyList<PodEndpoint> Added,
    IReadOnlyList<PodEndpoint> Removed,
    IReadOnlyList<(PodEndpoint Old, PodEndpoint New)> AddressChanged)
{
    public static readonly SnapshotDiff None = new([], [], []);

    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && AddressChanged.Count == 0;

    public static SnapshotDiff Compute(IReadOnlyList<PodEndpoint> before, IReadOnlyList<PodEndpoint> after)
    {
        var old = new Dictionary<string, PodEndpoint>(StringComparer.OrdinalIgnoreCase);
        foreach (var pod in before)
        {
            old.TryAdd(pod.Name, pod);
        }
        var added = new List<PodEndpoint>();
        var changed = new List<(PodEndpoint, PodEndpoint)>();
        foreach (var pod in after)
        {
            if (!old.Remove(pod.Name, out var previous))
            {
                added.Add(pod);
            }
            else if (!previous.EndPoint.Equals(pod.EndPoint))
            {
                changed.Add((previous, pod));
            }
        }
        var removed = before.Where(p => old.ContainsKey(p.Name)).ToList();
        return added.Count == 0 && removed.Count == 0 && changed.Count == 0 ? None : new(added, removed, changed);
    }
}
