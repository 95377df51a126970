namespace HeadlessSidecar.Injection.Yaml;

/// <summary>
/// A node of a YAML document as parsed, kept as a graph: an alias is the same node object referenced twice, so an
/// edit can tell a shared node (which it must copy first) from one of its own.
/// </summary>
internal abstract class ManifestNode
{
    /// <summary>The anchor name it had in the input ("" for none); the writer only reuses it for shared nodes.</summary>
    public string Anchor { get; set; } = "";

    /// <summary>The explicit tag in full form (<c>tag:yaml.org,2002:str</c>, <c>!</c>, <c>!custom</c>), "" for none.</summary>
    public string Tag { get; init; } = "";

    public int Line { get; init; }

    public int Column { get; init; }

    /// <summary>A copy of this node alone: children are shared with the original.</summary>
    public abstract ManifestNode ShallowClone();

    public abstract IEnumerable<ManifestNode> Children { get; }
}
