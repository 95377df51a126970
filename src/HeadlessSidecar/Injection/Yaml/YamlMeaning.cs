using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;

namespace HeadlessSidecar.Injection.Yaml;

/// <summary>
/// The JSON kubectl makes of a YAML node (sigs.k8s.io/yaml over go-yaml v2): aliases expanded, <c>&lt;&lt;</c> merge
/// keys applied in order (a merge overwrites the keys before it, later keys overwrite the merge), scalars resolved
/// by YAML 1.1 rules, non-string keys turned into strings. Explicit duplicate keys are refused.
/// </summary>
internal static class YamlMeaning
{
    // Aliases can expand exponentially ("billion laughs"): a manifest never needs this many nodes.
    private const int MaxNodes = 1_000_000;

    public static JsonNode? ToJson(ManifestNode node)
    {
        var state = new State();
        return Convert(node, state);
    }

    /// <summary>The string key kubectl makes of a mapping key.</summary>
    public static string KeyOf(ManifestNode key)
    {
        if (key is not ManifestScalar scalar)
        {
            throw new ManifestException("a mapping or sequence used as a mapping key has no JSON form") { Line = key.Line, Column = key.Column };
        }
        return YamlScalarResolver.Resolve(scalar) switch
        {
            null => throw new ManifestException("a null mapping key has no JSON form") { Line = key.Line, Column = key.Column },
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
            // Integers come back as parsed JSON numbers, floats as doubles (go-yaml formats float keys at 32 bits).
            JsonValue v when !v.TryGetValue<System.Text.Json.JsonElement>(out _) && v.TryGetValue<double>(out var d) => ((float)d).ToString("R", CultureInfo.InvariantCulture),
            var other => other.ToJsonString(),
        };
    }

    /// <summary>go-yaml's test for a merge key: a plain <c>&lt;&lt;</c>, or one tagged <c>!!merge</c>.</summary>
    public static bool IsMergeKey(ManifestNode key) =>
        key is ManifestScalar { Value: "<<" } scalar
        && (scalar.Tag.Length == 0 && scalar.Style == ScalarStyle.Plain || scalar.Tag == YamlScalarResolver.MergeTag);

    /// <summary>The mappings a merge value names, in the order go-yaml applies them (a sequence from its last
    /// element to its first, so earlier ones win).</summary>
    public static IEnumerable<ManifestMapping> MergeSources(ManifestNode value)
    {
        switch (value)
        {
            case ManifestMapping mapping:
                yield return mapping;
                break;
            case ManifestSequence sequence:
                for (var i = sequence.Items.Count - 1; i >= 0; i--)
                {
                    yield return sequence.Items[i] as ManifestMapping
                        ?? throw new ManifestException("a merge key (<<) needs a mapping or a sequence of mappings") { Line = value.Line, Column = value.Column };
                }
                break;
            default:
                throw new ManifestException("a merge key (<<) needs a mapping or a sequence of mappings") { Line = value.Line, Column = value.Column };
        }
    }

    private static JsonNode? Convert(ManifestNode node, State state)
    {
        if (++state.Nodes > MaxNodes)
        {
            throw new ManifestException($"more than {MaxNodes} nodes once aliases are expanded");
        }
        switch (node)
        {
            case ManifestScalar scalar:
                return YamlScalarResolver.Resolve(scalar);
            case ManifestSequence sequence:
            {
                Enter(node, state);
                var array = new JsonArray();
                foreach (var item in sequence.Items)
                {
                    array.Add(Convert(item, state));
                }
                state.Open.Remove(node);
                return array;
            }
            case ManifestMapping mapping:
            {
                Enter(node, state);
                var target = new JsonObject();
                Apply(mapping, target, state);
                state.Open.Remove(node);
                return target;
            }
            default:
                throw new InvalidOperationException(node.GetType().Name);
        }
    }

    private static void Apply(ManifestMapping mapping, JsonObject target, State state)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Entries)
        {
            if (IsMergeKey(key))
            {
                foreach (var source in MergeSources(value))
                {
                    Enter(source, state);
                    Apply(source, target, state);
                    state.Open.Remove(source);
                }
                continue;
            }
            var name = KeyOf(key);
            if (!seen.Add(name))
            {
                throw new ManifestException($"duplicate key '{name}'") { Line = key.Line, Column = key.Column };
            }
            target[name] = Convert(value, state);
        }
    }

    private static void Enter(ManifestNode node, State state)
    {
        if (!state.Open.Add(node))
        {
            throw new ManifestException("an alias refers to a node that contains it") { Line = node.Line, Column = node.Column };
        }
    }

    private sealed class State
    {
        public HashSet<ManifestNode> Open { get; } = new(ReferenceEqualityComparer.Instance);

        public int Nodes { get; set; }
    }
}
