using System.Text.Json.Nodes;

namespace HeadlessSidecar.Webhook;

/// <summary>
/// The answer when the injector cannot handle a review: the pod is admitted unchanged with a warning, the
/// webhook's <c>failurePolicy: Ignore</c> made explicit, so a broken injector never blocks a deployment.
/// </summary>
internal static class FailOpenReview
{
    private const string DefaultApiVersion = "admission.k8s.io/v1";

    /// <summary>An allowed <c>AdmissionReview</c> answering <paramref name="request"/> (whatever of it can be read: the
    /// uid is empty when it cannot, which the API server rejects and then ignores under <c>failurePolicy: Ignore</c>).</summary>
    public static JsonObject Create(JsonNode? request, string warning)
    {
        var apiVersion = StringAt(request, "apiVersion") is { } version && version.StartsWith("admission.k8s.io/", StringComparison.Ordinal)
            ? version
            : DefaultApiVersion;
        return new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = "AdmissionReview",
            ["response"] = new JsonObject
            {
                ["uid"] = Uid(request) ?? "",
                ["allowed"] = true,
                ["warnings"] = new JsonArray(warning),
            },
        };
    }

    /// <summary><c>request.uid</c>, or null when the review has none that is a string.</summary>
    public static string? Uid(JsonNode? review) => StringAt(review is JsonObject o ? o["request"] : null, "uid");

    private static string? StringAt(JsonNode? node, string property) =>
        node is JsonObject o && o[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
