using YamlDotNet.Core;

namespace HeadlessSidecar.Injection.Yaml;

internal sealed class ManifestScalar(string value, ScalarStyle style) : ManifestNode
{
    public string Value { get; } = value;

    /// <summary>As written (plain, quoted, literal, folded); <see cref="ScalarStyle.Any"/> for a string the engine
    /// added, which the writer may print plain because it resolves to a string.</summary>
    public ScalarStyle Style { get; } = style;

    /// <summary>An empty plain scalar without tag: <c>key:</c>, or a document of only comments.</summary>
    public bool IsEmptyPlain => Value.Length == 0 && Style == ScalarStyle.Plain && Tag.Length == 0;

    public override IEnumerable<ManifestNode> Children => [];

    public override ManifestNode ShallowClone() => new ManifestScalar(Value, Style) { Tag = Tag, Line = Line, Column = Column };
}
