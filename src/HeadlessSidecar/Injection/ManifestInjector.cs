using System.Globalization;
using System.Text.Json.Nodes;
using HeadlessSidecar.Injection.Yaml;

namespace HeadlessSidecar.Injection;

/// <summary>
/// <c>inject</c> and <c>uninject</c> over YAML streams: every document (and every item of a <c>List</c>) of an
/// injected kind gets the engine's patch on its pod template; everything else is written back as it was read. The
/// output is read back before it is returned and must mean exactly what the patched input means.
/// </summary>
internal sealed class ManifestInjector(InjectionEngine engine)
{
    public ManifestResult Process(IEnumerable<ManifestSource> sources, bool inject)
    {
        var warnings = new List<string>();
        var documents = new List<ManifestDocument>();
        var expected = new List<JsonNode?>();
        foreach (var source in sources)
        {
            List<ManifestDocument> read;
            try
            {
                read = ManifestStreamReader.Read(source.Text);
            }
            catch (ManifestException ex)
            {
                return Failed($"{source.Name}: document {ex.Document}: invalid YAML{Where(ex)}: {ex.Message}", warnings);
            }
            for (var i = 0; i < read.Count; i++)
            {
                var document = read[i];
                var name = $"{source.Name}: document {i + 1}";
                documents.Add(document);
                if (document.IsEmpty)
                {
                    expected.Add(null);
                    continue;
                }
                try
                {
                    var meaning = YamlMeaning.ToJson(document.Root);
                    var problem = ProcessDocument(document, meaning, name, inject, warnings);
                    if (problem is not null)
                    {
                        return Failed(problem, warnings);
                    }
                    expected.Add(meaning);
                }
                catch (ManifestException ex)
                {
                    return Failed($"{name}: {ex.Message}{Where(ex)}", warnings);
                }
            }
        }
        var output = ManifestWriter.Write(documents);
        Verify(output, expected);
        return new ManifestResult(output, null, warnings);
    }

    private string? ProcessDocument(ManifestDocument document, JsonNode? meaning, string name, bool inject, List<string> warnings)
    {
        if (meaning is null)
        {
            // `--- null` or `--- ~`: kubectl skips it like an empty document.
            return null;
        }
        if (KindOf(meaning, out var apiVersion, out var kind) is { } notAnObject)
        {
            return $"{name}: not a Kubernetes object: {notAnObject}";
        }
        var obj = (JsonObject)meaning!;
        if (kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items)
        {
            for (var j = 0; j < items.Count; j++)
            {
                var itemName = $"{name}, item {j + 1}";
                if (KindOf(items[j], out var itemApiVersion, out var itemKind) is { } itemProblem)
                {
                    return $"{itemName}: not a Kubernetes object: {itemProblem}";
                }
                var problem = ProcessObject(document, meaning!, (JsonObject)items[j]!, ["items", j.ToString(CultureInfo.InvariantCulture)], itemApiVersion, itemKind, itemName, inject, warnings);
                if (problem is not null)
                {
                    return problem;
                }
            }
            return null;
        }
        return ProcessObject(document, meaning!, obj, [], apiVersion, kind, name, inject, warnings);
    }

    private string? ProcessObject(ManifestDocument document, JsonNode meaning, JsonObject obj, string[] prefix, string apiVersion, string kind,
        string name, bool inject, List<string> warnings)
    {
        if (WorkloadKinds.TemplatePath(apiVersion, kind, out var runsToCompletion) is not { } templatePath)
        {
            return null;
        }
        var described = $"{name} ({kind} {Text((obj["metadata"] as JsonObject)?["name"]) ?? "without a name"})";
        JsonNode? template = obj;
        foreach (var segment in templatePath)
        {
            template = (template as JsonObject)?[segment];
        }
        if (template is not JsonObject templateObject)
        {
            warnings.Add($"{described}: no pod template at {string.Join('.', templatePath)}: left as it is");
            return null;
        }
        var result = inject ? engine.Inject(templateObject, new PodTemplateContext(runsToCompletion)) : InjectionEngine.Uninject(templateObject);
        switch (result.Outcome)
        {
            case TemplateOutcome.Invalid:
                return $"{described}: {result.Message}";
            case TemplateOutcome.Skipped:
                warnings.Add($"{described}: {result.Message}");
                return null;
            case TemplateOutcome.Changed:
                foreach (var operation in result.Patch)
                {
                    var located = operation.Under([.. prefix, .. templatePath]);
                    ManifestPatcher.Apply(document, located);
                    JsonPatchApplier.Apply(meaning, located);
                }
                return null;
            default:
                return null;
        }
    }

    /// <summary>A Kubernetes object is a mapping with string <c>apiVersion</c> and <c>kind</c>.</summary>
    private static string? KindOf(JsonNode? node, out string apiVersion, out string kind)
    {
        apiVersion = kind = "";
        if (node is not JsonObject obj)
        {
            return node switch
            {
                JsonArray => "a sequence, not a mapping",
                null => "null",
                _ => "a scalar, not a mapping",
            };
        }
        if (Text(obj["apiVersion"]) is not { Length: > 0 } version)
        {
            return "no apiVersion";
        }
        if (Text(obj["kind"]) is not { Length: > 0 } k)
        {
            return "no kind";
        }
        apiVersion = version;
        kind = k;
        return null;
    }

    /// <summary>The written YAML must mean what the patched input means; anything else is a bug of ours, and
    /// printing it could change a field nobody asked to change.</summary>
    private static void Verify(string output, List<JsonNode?> expected)
    {
        try
        {
            var written = ManifestStreamReader.Read(output);
            if (written.Count != expected.Count)
            {
                throw new InvalidOperationException($"the output has {written.Count} documents instead of {expected.Count}");
            }
            for (var i = 0; i < written.Count; i++)
            {
                var meaning = written[i].IsEmpty ? null : YamlMeaning.ToJson(written[i].Root);
                if (!JsonNode.DeepEquals(meaning, expected[i]))
                {
                    throw new InvalidOperationException($"document {i + 1} of the output would not mean what was intended");
                }
            }
        }
        catch (ManifestException ex)
        {
            throw new InvalidOperationException($"the output would not read back: {ex.Message}", ex);
        }
    }

    private static ManifestResult Failed(string error, List<string> warnings) => new(null, error, warnings);

    private static string Where(ManifestException ex) => ex.Line > 0 ? $" at line {ex.Line}, column {ex.Column}" : "";

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
