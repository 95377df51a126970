using YamlDotNet.Core.Events;

namespace HeadlessSidecar.Injection.Yaml;

internal sealed class ManifestMapping(MappingStyle style) : ManifestNode
{
    public List<KeyValuePair<ManifestNode, ManifestNode>> Entries { get; private init; } = [];

    public MappingStyle Style { get; } = style;

    public override IEnumerable<ManifestNode> Children => Entries.SelectMany(e => new[] { e.Key, e.Value });

    public override ManifestNode ShallowClone() =>
        new ManifestMapping(Style) { Tag = Tag, Line = Line, Column = Column, Entries = [.. Entries] };
}
