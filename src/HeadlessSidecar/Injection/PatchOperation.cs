using System.Text.Json.Nodes;

namespace HeadlessSidecar.Injection;

/// <summary>
/// One edit of a pod template, as a JSON Patch operation whose path is a list of unescaped segments (an array index
/// in decimal, or <c>-</c> for the end): the webhook sends it as JSON Patch, <c>inject</c> applies it to YAML.
/// </summary>
internal sealed record PatchOperation(PatchOperationKind Kind, IReadOnlyList<string> Path, JsonNode? Value = null)
{
    public PatchOperation Under(IReadOnlyList<string> prefix) => this with { Path = [.. prefix, .. Path] };

    public JsonObject ToJson()
    {
        var op = new JsonObject
        {
            ["op"] = Kind == PatchOperationKind.Add ? "add" : "remove",
            ["path"] = JsonPointer.Format(Path),
        };
        if (Kind == PatchOperationKind.Add)
        {
            op["value"] = Value?.DeepClone();
        }
        return op;
    }
}
