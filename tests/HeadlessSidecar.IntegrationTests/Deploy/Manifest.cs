using YamlDotNet.RepresentationModel;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>The objects of a rendered YAML stream, with lookups by kind and name and by field path.</summary>
internal sealed class Manifest
{
    private Manifest(IReadOnlyList<YamlMappingNode> objects) => Objects = objects;

    public IReadOnlyList<YamlMappingNode> Objects { get; }

    public static Manifest Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return new Manifest([.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()]);
    }

    public static async Task<Manifest> RenderAsync(string relativeDirectory, CancellationToken cancellationToken = default) =>
        Parse(await Kubectl.KustomizeAsync(DeployTree.PathOf(relativeDirectory), cancellationToken));

    public IEnumerable<YamlMappingNode> OfKind(string kind) => Objects.Where(o => Text(o, "kind") == kind);

    public YamlMappingNode Single(string kind, string name)
    {
        var matches = OfKind(kind).Where(o => Text(o, "metadata.name") == name).ToList();
        Assert.True(matches.Count == 1, $"expected one {kind} '{name}', found {matches.Count} among: " +
            string.Join(", ", Objects.Select(o => $"{Text(o, "kind")}/{Text(o, "metadata.name")}")));
        return matches[0];
    }

    public YamlMappingNode Single(string kind)
    {
        var matches = OfKind(kind).ToList();
        Assert.True(matches.Count == 1, $"expected one {kind}, found {matches.Count}");
        return matches[0];
    }

    /// <summary>
    /// The node at a dotted path: mapping keys, sequence indexes (<c>containers.0</c>) and keys with dots in
    /// brackets (<c>labels.[headless-sidecar.io/inject]</c>); null when any step is missing.
    /// </summary>
    public static YamlNode? Node(YamlNode node, string path)
    {
        YamlNode? current = node;
        foreach (var step in Steps(path))
        {
            current = current switch
            {
                YamlMappingNode mapping => mapping.Children.TryGetValue(new YamlScalarNode(step), out var child) ? child : null,
                YamlSequenceNode sequence when int.TryParse(step, out var index) => index < sequence.Children.Count ? sequence.Children[index] : null,
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }
        return current;
    }

    public static string? Text(YamlNode node, string path) => (Node(node, path) as YamlScalarNode)?.Value;

    public static string RequiredText(YamlNode node, string path) =>
        Text(node, path) ?? throw new Xunit.Sdk.XunitException($"no scalar at '{path}' in:\n{Describe(node)}");

    public static IReadOnlyList<YamlNode> List(YamlNode node, string path) =>
        (Node(node, path) as YamlSequenceNode)?.Children.ToList() ?? [];

    public static IReadOnlyList<string> Texts(YamlNode node, string path) =>
        [.. List(node, path).OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty)];

    /// <summary>A mapping of scalars (labels, a matchLabels selector) as a dictionary; empty when absent.</summary>
    public static IReadOnlyDictionary<string, string> Map(YamlNode node, string path) =>
        (Node(node, path) as YamlMappingNode)?.Children.ToDictionary(
            c => ((YamlScalarNode)c.Key).Value!, c => (c.Value as YamlScalarNode)?.Value ?? string.Empty, StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The node as a YAML document of its own (a PrometheusRule's spec becomes a Prometheus rules file).</summary>
    public static string Describe(YamlNode node)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static IEnumerable<string> Steps(string path)
    {
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                yield return path[(i + 1)..end];
                i = end + 2;
            }
            else
            {
                var end = path.IndexOf('.', i);
                if (end < 0)
                {
                    end = path.Length;
                }
                yield return path[i..end];
                i = end + 1;
            }
        }
    }
}
