using YamlDotNet.Core.Events;

namespace HeadlessSidecar.Injection.Yaml;

internal sealed class ManifestSequence(SequenceStyle style) : ManifestNode
{
    public List<ManifestNode> Items { get; private init; } = [];

    public SequenceStyle Style { get; } = style;

    public override IEnumerable<ManifestNode> Children => Items;

    public override ManifestNode ShallowClone() =>
        new ManifestSequence(Style) { Tag = Tag, Line = Line, Column = Column, Items = [.. Items] };
}
