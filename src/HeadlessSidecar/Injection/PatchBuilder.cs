using System.Text.Json.Nodes;

namespace HeadlessSidecar.Injection;

/// <summary>Records patch operations while applying each to a working copy, so every next operation (its array
/// indexes above all) is computed against the state the earlier ones left.</summary>
internal sealed class PatchBuilder(JsonObject working)
{
    private readonly List<PatchOperation> _operations = [];

    public JsonObject Working { get; } = working;

    public IReadOnlyList<PatchOperation> Operations => _operations;

    public void Add(JsonNode? value, params string[] path) => Record(new PatchOperation(PatchOperationKind.Add, path, value));

    public void Remove(params string[] path) => Record(new PatchOperation(PatchOperationKind.Remove, path));

    private void Record(PatchOperation operation)
    {
        JsonPatchApplier.Apply(Working, operation);
        _operations.Add(operation);
    }
}
