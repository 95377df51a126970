using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace HeadlessSidecar.Injection.Yaml;

/// <summary>
/// Reads a YAML stream into <see cref="ManifestDocument"/>s with YamlDotNet's low-level parser (a port of libyaml, like
/// the go-yaml parser kubectl uses), keeping each scalar's text, style and tag, and aliases as shared nodes.
/// </summary>
internal static class ManifestStreamReader
{
    public static List<ManifestDocument> Read(string text)
    {
        var documents = new List<ManifestDocument>();
        var parser = new Parser(new StringReader(text));
        try
        {
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out _))
            {
                var anchors = new Dictionary<string, ManifestNode>(StringComparer.Ordinal);
                var aliases = new DocumentAliases();
                var root = ReadNode(parser, anchors, aliases, documents.Count + 1);
                parser.Consume<DocumentEnd>();
                documents.Add(new ManifestDocument(root) { HasAliases = aliases.Seen });
            }
            parser.Consume<StreamEnd>();
        }
        catch (YamlException ex)
        {
            throw new ManifestException(ex.Message, ex)
            {
                Line = (int)ex.Start.Line,
                Column = (int)ex.Start.Column,
                Document = documents.Count + 1,
            };
        }
        return documents;
    }

    private static ManifestNode ReadNode(IParser parser, Dictionary<string, ManifestNode> anchors, DocumentAliases aliases, int document)
    {
        var current = parser.Current ?? throw new ManifestException("unexpected end of input") { Document = document };
        var line = (int)current.Start.Line;
        var column = (int)current.Start.Column;
        switch (current)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                aliases.Seen = true;
                return anchors.TryGetValue(alias.Value.Value, out var target)
                    ? target
                    : throw new ManifestException($"alias *{alias.Value.Value} names no anchor defined before it") { Line = line, Column = column, Document = document };
            case Scalar scalar:
                parser.MoveNext();
                return Anchored(new ManifestScalar(scalar.Value, scalar.Style) { Tag = TagOf(scalar.Tag), Line = line, Column = column }, scalar.Anchor, anchors);
            case SequenceStart start:
            {
                parser.MoveNext();
                var sequence = Anchored(new ManifestSequence(start.Style) { Tag = TagOf(start.Tag), Line = line, Column = column }, start.Anchor, anchors);
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    sequence.Items.Add(ReadNode(parser, anchors, aliases, document));
                }
                return sequence;
            }
            case MappingStart start:
            {
                parser.MoveNext();
                var mapping = Anchored(new ManifestMapping(start.Style) { Tag = TagOf(start.Tag), Line = line, Column = column }, start.Anchor, anchors);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var key = ReadNode(parser, anchors, aliases, document);
                    var value = ReadNode(parser, anchors, aliases, document);
                    mapping.Entries.Add(new(key, value));
                }
                return mapping;
            }
            default:
                throw new ManifestException($"unexpected {current.GetType().Name}") { Line = line, Column = column, Document = document };
        }
    }

    // Registered before the children are read, so a (pathological) alias to an enclosing node resolves, and the
    // meaning reader reports the cycle instead of this reader failing obscurely.
    private static T Anchored<T>(T node, AnchorName anchor, Dictionary<string, ManifestNode> anchors) where T : ManifestNode
    {
        if (!anchor.IsEmpty)
        {
            node.Anchor = anchor.Value;
            anchors[anchor.Value] = node;
        }
        return node;
    }

    private static string TagOf(TagName tag) => tag.IsEmpty ? "" : tag.Value;

    private sealed class DocumentAliases
    {
        public bool Seen { get; set; }
    }
}
