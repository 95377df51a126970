namespace HeadlessSidecar.Injection.Yaml;

/// <summary>One document of a YAML stream; <see cref="Root"/> is replaced only by edits at the root.</summary>
internal sealed class ManifestDocument(ManifestNode root)
{
    public ManifestNode Root { get; set; } = root;

    /// <summary>Whether the document uses aliases: only then can a node be shared, and edits look for sharing.</summary>
    public bool HasAliases { get; init; }

    /// <summary><c>---</c> with nothing but comments after it (Helm prints these for empty templates).</summary>
    public bool IsEmpty => Root is ManifestScalar { IsEmptyPlain: true, Anchor.Length: 0 };
}
