namespace HeadlessSidecar.Injection.Yaml;

/// <summary>Reference counts over a document graph: a node counted more than once is shared through an alias.</summary>
internal static class ManifestGraph
{
    public static Dictionary<ManifestNode, int> CountReferences(ManifestNode root)
    {
        var counts = new Dictionary<ManifestNode, int>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<ManifestNode>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            counts[node] = counts.GetValueOrDefault(node) + 1;
            if (counts[node] > 1)
            {
                // Its children were counted on the first visit: an alias adds a reference to this node only.
                continue;
            }
            foreach (var child in node.Children)
            {
                pending.Push(child);
            }
        }
        return counts;
    }
}
