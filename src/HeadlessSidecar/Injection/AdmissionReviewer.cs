using System.Text;
using System.Text.Json.Nodes;

namespace HeadlessSidecar.Injection;

/// <summary>
/// The webhook's side of the engine: an <c>admission.k8s.io/v1</c> AdmissionReview of a Pod in, the same review with
/// a JSON Patch response out. It fails open: anything it cannot handle is allowed unchanged with a warning.
/// </summary>
internal sealed class AdmissionReviewer(InjectionEngine engine) : IAdmissionReviewer
{
    private const string ApiVersion = "admission.k8s.io/v1";

    public AdmissionOutcome Review(JsonNode? admissionReview)
    {
        var uid = "";
        try
        {
            var request = (admissionReview as JsonObject)?["request"] as JsonObject;
            uid = Text(request?["uid"]) ?? "";
            if (Text(admissionReview?["apiVersion"]) != ApiVersion || Text(admissionReview?["kind"]) != "AdmissionReview")
            {
                return Error(uid, $"not an {ApiVersion} AdmissionReview");
            }
            if (request is null)
            {
                return Error(uid, "the AdmissionReview has no request");
            }
            var kind = request["kind"] as JsonObject;
            if (Text(kind?["group"]) is not (null or "") || Text(kind?["kind"]) != "Pod")
            {
                return Error(uid, "the request is not for a Pod; check the webhook's rules");
            }
            if (Text(request["operation"]) is { } operation && operation != "CREATE")
            {
                return Skipped(uid, null);
            }
            if (request["object"] is not JsonObject pod)
            {
                return Error(uid, "the request has no Pod object");
            }
            var result = engine.Inject(pod, new PodTemplateContext(OwnedByJob(pod)));
            return result.Outcome switch
            {
                TemplateOutcome.Changed => Injected(uid, result.Patch),
                TemplateOutcome.Unchanged or TemplateOutcome.OptedOut => Skipped(uid, null),
                TemplateOutcome.Skipped => Skipped(uid, result.Message),
                _ => Error(uid, result.Message ?? "the pod cannot be injected"),
            };
        }
        catch (Exception ex)
        {
            // Fail open on our own bugs too: a pod admitted without the sidecar beats a pod that cannot be created.
            return Error(uid, $"internal error: {ex.Message}");
        }
    }

    private static bool OwnedByJob(JsonObject pod) =>
        ((pod["metadata"] as JsonObject)?["ownerReferences"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Any(o => Text(o["kind"]) == "Job" && (Text(o["apiVersion"]) ?? "").StartsWith("batch/", StringComparison.Ordinal));

    private static AdmissionOutcome Injected(string uid, IReadOnlyList<PatchOperation> patch)
    {
        var operations = new JsonArray([.. patch.Select(o => (JsonNode)o.ToJson())]);
        var response = Response(uid);
        response["patchType"] = "JSONPatch";
        response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(operations.ToJsonString()));
        return new AdmissionOutcome(Review(response), AdmissionResult.Injected);
    }

    private static AdmissionOutcome Skipped(string uid, string? warning) =>
        new(Review(WithWarning(Response(uid), warning)), AdmissionResult.Skipped);

    private static AdmissionOutcome Error(string uid, string warning) =>
        new(Review(WithWarning(Response(uid), warning)), AdmissionResult.Error);

    private static JsonObject Response(string uid) => new() { ["uid"] = uid, ["allowed"] = true };

    private static JsonObject WithWarning(JsonObject response, string? warning)
    {
        if (warning is not null)
        {
            response["warnings"] = new JsonArray($"headless-sidecar: {warning}");
        }
        return response;
    }

    private static JsonObject Review(JsonObject response) => new()
    {
        ["apiVersion"] = ApiVersion,
        ["kind"] = "AdmissionReview",
        ["response"] = response,
    };

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
