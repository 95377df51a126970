using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace HeadlessSidecar.Injection.Yaml;

/// <summary>
/// Writes documents back as YAML with YamlDotNet's emitter: every document after a <c>---</c> line (an empty one
/// stays an empty document), scalars with their original text, style and tag, a mapping or sequence referenced
/// more than once with an anchor at its first appearance and aliases after (scalars are repeated instead). Comments
/// are not kept.
/// </summary>
internal static class ManifestWriter
{
    public static string Write(IEnumerable<ManifestDocument> documents)
    {
        var output = new StringBuilder();
        foreach (var document in documents)
        {
            output.Append("---\n");
            if (!document.IsEmpty)
            {
                output.Append(WriteDocument(document.Root));
            }
        }
        return output.ToString();
    }

    private static string WriteDocument(ManifestNode root)
    {
        var references = ManifestGraph.CountReferences(root);
        var text = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(text, new EmitterSettings(bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false, maxSimpleKeyLength: 1024,
            skipAnchorName: false, indentSequences: false, newLine: "\n"));
        var state = new WriteState(references);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        Emit(emitter, root, state);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void Emit(IEmitter emitter, ManifestNode node, WriteState state)
    {
        if (node is ManifestScalar shared)
        {
            // A scalar is written out wherever it is used: its text means the same each time, and an alias in key
            // position (`*a: x`) would read back as an alias named "a:".
            emitter.Emit(ScalarEvent(shared));
            return;
        }
        if (state.Anchors.TryGetValue(node, out var existing))
        {
            emitter.Emit(new AnchorAlias(new AnchorName(existing)));
            return;
        }
        var anchor = AnchorName.Empty;
        if (state.References.TryGetValue(node, out var count) && count > 1)
        {
            var name = state.Unique(node.Anchor);
            state.Anchors[node] = name;
            anchor = new AnchorName(name);
        }
        var tag = node.Tag.Length == 0 ? TagName.Empty : new TagName(node.Tag);
        switch (node)
        {
            case ManifestSequence sequence:
                emitter.Emit(new SequenceStart(anchor, tag, tag.IsEmpty, sequence.Items.Count == 0 ? SequenceStyle.Flow : sequence.Style));
                foreach (var item in sequence.Items)
                {
                    Emit(emitter, item, state);
                }
                emitter.Emit(new SequenceEnd());
                break;
            case ManifestMapping mapping:
                emitter.Emit(new MappingStart(anchor, tag, tag.IsEmpty, mapping.Entries.Count == 0 ? MappingStyle.Flow : mapping.Style));
                foreach (var (key, value) in mapping.Entries)
                {
                    Emit(emitter, key, state);
                    Emit(emitter, value, state);
                }
                emitter.Emit(new MappingEnd());
                break;
        }
    }

    private static Scalar ScalarEvent(ManifestScalar scalar)
    {
        var anchor = AnchorName.Empty;
        var tag = scalar.Tag.Length == 0 ? TagName.Empty : new TagName(scalar.Tag);
        if (scalar.IsEmptyPlain)
        {
            // The emitter quotes an empty plain scalar (''), which would turn null into "": `null` keeps the meaning.
            return new Scalar(anchor, TagName.Empty, "null", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false);
        }
        if (scalar.Tag == "!")
        {
            // The non-specific tag makes a string; the emitter would drop it and let `! 12` become the number 12.
            return new Scalar(anchor, TagName.Empty, scalar.Value, ScalarStyle.DoubleQuoted, isPlainImplicit: false, isQuotedImplicit: true);
        }
        if (!tag.IsEmpty)
        {
            return new Scalar(anchor, tag, scalar.Value, scalar.Style, isPlainImplicit: false, isQuotedImplicit: false);
        }
        return scalar.Style switch
        {
            ScalarStyle.Plain => new Scalar(anchor, tag, scalar.Value, ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false),
            ScalarStyle.Any => new Scalar(anchor, tag, scalar.Value, ScalarStyle.Any, isPlainImplicit: true, isQuotedImplicit: true),
            _ => new Scalar(anchor, tag, scalar.Value, scalar.Style, isPlainImplicit: false, isQuotedImplicit: true),
        };
    }

    private sealed class WriteState(Dictionary<ManifestNode, int> references)
    {
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public Dictionary<ManifestNode, int> References { get; } = references;

        public Dictionary<ManifestNode, string> Anchors { get; } = new(ReferenceEqualityComparer.Instance);

        public string Unique(string preferred)
        {
            var name = preferred.Length > 0 ? preferred : "ref";
            if (_used.Add(name))
            {
                return name;
            }
            for (var i = 2; ; i++)
            {
                var candidate = $"{name}{i}";
                if (_used.Add(candidate))
                {
                    return candidate;
                }
            }
        }
    }
}
