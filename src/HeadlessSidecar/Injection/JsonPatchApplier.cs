using System.Globalization;
using System.Text.Json.Nodes;

namespace HeadlessSidecar.Injection;

/// <summary>Applies <see cref="PatchOperation"/>s to a JSON tree in place (the engine plans on a copy with it).</summary>
internal static class JsonPatchApplier
{
    public static void Apply(JsonNode root, PatchOperation operation)
    {
        var path = operation.Path;
        if (path.Count == 0)
        {
            throw new InvalidOperationException("a patch of the whole document is not supported");
        }
        var parent = root;
        for (var i = 0; i < path.Count - 1; i++)
        {
            parent = Child(parent, path[i]) ?? throw new InvalidOperationException($"no {JsonPointer.Format(path.Take(i + 1))}");
        }
        var last = path[^1];
        switch (parent)
        {
            case JsonObject obj when operation.Kind == PatchOperationKind.Add:
                obj[last] = operation.Value?.DeepClone();
                break;
            case JsonObject obj:
                if (!obj.Remove(last))
                {
                    throw new InvalidOperationException($"no {JsonPointer.Format(path)} to remove");
                }
                break;
            case JsonArray array when operation.Kind == PatchOperationKind.Add:
                if (last == "-")
                {
                    array.Add(operation.Value?.DeepClone());
                }
                else
                {
                    array.Insert(Index(last, array.Count + 1), operation.Value?.DeepClone());
                }
                break;
            case JsonArray array:
                array.RemoveAt(Index(last, array.Count));
                break;
            default:
                throw new InvalidOperationException($"{JsonPointer.Format(path.Take(path.Count - 1))} is not an object or an array");
        }
    }

    private static JsonNode? Child(JsonNode node, string segment) => node switch
    {
        JsonObject obj => obj[segment],
        JsonArray array => array[Index(segment, array.Count)],
        _ => null,
    };

    private static int Index(string segment, int limit)
    {
        if (!int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= limit)
        {
            throw new InvalidOperationException($"'{segment}' is not an index below {limit}");
        }
        return index;
    }
}
