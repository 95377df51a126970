using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace HeadlessSidecar.Injection.Yaml;

/// <summary>
/// Applies a <see cref="PatchOperation"/> to a YAML document graph so that the document then means what the same
/// operation applied to its JSON meaning gives. Every node on the way that is shared through an alias is copied
/// first (the edit must not reach the other places that alias it), and a mapping with <c>&lt;&lt;</c> merge keys is
/// first written out as its merged entries.
/// </summary>
internal static class ManifestPatcher
{
    private static readonly Dictionary<string, string> InsertBefore = new(StringComparer.Ordinal)
    {
        ["metadata"] = "spec",
        ["initContainers"] = "containers",
    };

    public static void Apply(ManifestDocument document, PatchOperation operation)
    {
        var path = operation.Path;
        if (path.Count == 0)
        {
            throw new InvalidOperationException("a patch of the whole document is not supported");
        }
        var node = document.Root;
        for (var i = 0; i < path.Count - 1; i++)
        {
            var (child, replace) = Child(node, path[i]);
            if (document.HasAliases && ManifestGraph.CountReferences(document.Root).GetValueOrDefault(child) > 1)
            {
                child = child.ShallowClone();
                replace(child);
            }
            node = child;
        }
        var last = path[^1];
        switch (node)
        {
            case ManifestMapping mapping:
                Materialize(mapping);
                var index = mapping.Entries.FindIndex(e => YamlMeaning.KeyOf(e.Key) == last);
                if (operation.Kind == PatchOperationKind.Add)
                {
                    var value = FromJson(operation.Value);
                    if (index >= 0)
                    {
                        mapping.Entries[index] = new(mapping.Entries[index].Key, value);
                    }
                    else
                    {
                        // Key order means nothing to kubectl, but a reader expects these where Kubernetes prints them.
                        var before = InsertBefore.TryGetValue(last, out var next) ? mapping.Entries.FindIndex(e => YamlMeaning.KeyOf(e.Key) == next) : -1;
                        mapping.Entries.Insert(before >= 0 ? before : mapping.Entries.Count, new(StringScalar(last), value));
                    }
                }
                else if (index >= 0)
                {
                    mapping.Entries.RemoveAt(index);
                }
                else
                {
                    throw new InvalidOperationException($"no {JsonPointer.Format(path)} to remove");
                }
                break;
            case ManifestSequence sequence when operation.Kind == PatchOperationKind.Add:
                if (last == "-")
                {
                    sequence.Items.Add(FromJson(operation.Value));
                }
                else
                {
                    sequence.Items.Insert(int.Parse(last, CultureInfo.InvariantCulture), FromJson(operation.Value));
                }
                break;
            case ManifestSequence sequence:
                sequence.Items.RemoveAt(int.Parse(last, CultureInfo.InvariantCulture));
                break;
            default:
                throw new InvalidOperationException($"{JsonPointer.Format(path.Take(path.Count - 1))} is not a mapping or a sequence");
        }
    }

    /// <summary>A new node for a JSON value: block collections, strings unquoted only where they stay strings.</summary>
    public static ManifestNode FromJson(JsonNode? value)
    {
        switch (value)
        {
            case null:
                return new ManifestScalar("null", ScalarStyle.Plain);
            case JsonObject obj:
            {
                var mapping = new ManifestMapping(MappingStyle.Block);
                foreach (var (key, item) in obj)
                {
                    mapping.Entries.Add(new(StringScalar(key), FromJson(item)));
                }
                return mapping;
            }
            case JsonArray array:
            {
                var sequence = new ManifestSequence(SequenceStyle.Block);
                foreach (var item in array)
                {
                    sequence.Items.Add(FromJson(item));
                }
                return sequence;
            }
            default:
                return value.GetValueKind() switch
                {
                    JsonValueKind.String => StringScalar(value.GetValue<string>()),
                    JsonValueKind.True => new ManifestScalar("true", ScalarStyle.Plain),
                    JsonValueKind.False => new ManifestScalar("false", ScalarStyle.Plain),
                    JsonValueKind.Null => new ManifestScalar("null", ScalarStyle.Plain),
                    _ => new ManifestScalar(value.ToJsonString(), ScalarStyle.Plain),
                };
        }
    }

    private static ManifestScalar StringScalar(string text) =>
        new(text, YamlScalarResolver.IsPlainString(text) ? ScalarStyle.Any : ScalarStyle.DoubleQuoted);

    private static (ManifestNode Child, Action<ManifestNode> Replace) Child(ManifestNode node, string segment)
    {
        switch (node)
        {
            case ManifestMapping mapping:
            {
                Materialize(mapping);
                var index = mapping.Entries.FindIndex(e => YamlMeaning.KeyOf(e.Key) == segment);
                if (index < 0)
                {
                    throw new InvalidOperationException($"no key '{segment}'");
                }
                var key = mapping.Entries[index].Key;
                return (mapping.Entries[index].Value, replacement => mapping.Entries[index] = new(key, replacement));
            }
            case ManifestSequence sequence:
            {
                var index = int.Parse(segment, CultureInfo.InvariantCulture);
                return (sequence.Items[index], replacement => sequence.Items[index] = replacement);
            }
            default:
                throw new InvalidOperationException($"cannot descend into a scalar at '{segment}'");
        }
    }

    /// <summary>Replaces the merge keys of <paramref name="mapping"/> by the entries they bring, with go-yaml v2's
    /// precedence, so the mapping means the same and can be edited key by key.</summary>
    private static void Materialize(ManifestMapping mapping)
    {
        if (!mapping.Entries.Exists(e => YamlMeaning.IsMergeKey(e.Key)))
        {
            return;
        }
        var merged = new List<KeyValuePair<ManifestNode, ManifestNode>>();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        Collect(mapping, merged, positions);
        mapping.Entries.Clear();
        mapping.Entries.AddRange(merged);
    }

    private static void Collect(ManifestMapping mapping, List<KeyValuePair<ManifestNode, ManifestNode>> merged, Dictionary<string, int> positions)
    {
        foreach (var entry in mapping.Entries)
        {
            if (YamlMeaning.IsMergeKey(entry.Key))
            {
                foreach (var source in YamlMeaning.MergeSources(entry.Value))
                {
                    Collect(source, merged, positions);
                }
                continue;
            }
            var name = YamlMeaning.KeyOf(entry.Key);
            if (positions.TryGetValue(name, out var position))
            {
                merged[position] = entry;
            }
            else
            {
                positions[name] = merged.Count;
                merged.Add(entry);
            }
        }
    }
}
