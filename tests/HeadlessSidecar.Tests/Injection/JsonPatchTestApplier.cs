using System.Globalization;
using System.Text.Json.Nodes;

namespace HeadlessSidecar.Tests.Injection;

/// <summary>An RFC 6902 applier of the tests' own (add, remove, replace), independent of the engine's, to check the
/// webhook's patches as the API server would apply them.</summary>
internal static class JsonPatchTestApplier
{
    public static JsonNode Apply(JsonNode document, JsonArray patch)
    {
        var root = document.DeepClone();
        foreach (var operation in patch.Select(o => o!.AsObject()))
        {
            var op = operation["op"]!.GetValue<string>();
            var tokens = Parse(operation["path"]!.GetValue<string>());
            Assert.NotEmpty(tokens);
            var parent = root;
            foreach (var token in tokens[..^1])
            {
                parent = parent switch
                {
                    JsonObject o => o[token] ?? throw new InvalidOperationException($"missing {token}"),
                    JsonArray a => a[int.Parse(token, CultureInfo.InvariantCulture)]!,
                    _ => throw new InvalidOperationException("scalar in path"),
                };
            }
            var last = tokens[^1];
            switch (op, parent)
            {
                case ("add", JsonObject o):
                    o[last] = operation["value"]?.DeepClone();
                    break;
                case ("add", JsonArray a):
                    if (last == "-")
                    {
                        a.Add(operation["value"]?.DeepClone());
                    }
                    else
                    {
                        var index = int.Parse(last, CultureInfo.InvariantCulture);
                        Assert.InRange(index, 0, a.Count);
                        a.Insert(index, operation["value"]?.DeepClone());
                    }
                    break;
                case ("remove", JsonObject o):
                    Assert.True(o.Remove(last), $"remove of a missing member {last}");
                    break;
                case ("remove", JsonArray a):
                    a.RemoveAt(int.Parse(last, CultureInfo.InvariantCulture));
                    break;
                case ("replace", JsonObject o):
                    Assert.True(o.ContainsKey(last));
                    o[last] = operation["value"]?.DeepClone();
                    break;
                default:
                    throw new InvalidOperationException($"unsupported {op}");
            }
        }
        return root;
    }

    /// <summary>RFC 6901: split on '/', then ~1 → '/' and ~0 → '~' (in that order).</summary>
    private static string[] Parse(string pointer)
    {
        Assert.StartsWith("/", pointer, StringComparison.Ordinal);
        return [.. pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }
}
