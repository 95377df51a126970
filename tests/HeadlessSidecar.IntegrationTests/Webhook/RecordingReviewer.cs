using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using HeadlessSidecar.Injection;

namespace HeadlessSidecar.IntegrationTests.Webhook;

/// <summary>A stand-in for the injection engine: records each review and answers what the test says.</summary>
internal sealed class RecordingReviewer : IAdmissionReviewer
{
    public ConcurrentQueue<JsonNode?> Reviews { get; } = new();

    /// <summary>The answer to a review; the default allows it with an empty JSONPatch, counted as injected.</summary>
    public Func<JsonNode?, AdmissionOutcome> Answer { get; set; } = review => new AdmissionOutcome(new JsonObject
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["response"] = new JsonObject
        {
            ["uid"] = review?["request"]?["uid"]?.GetValue<string>(),
            ["allowed"] = true,
            ["patchType"] = "JSONPatch",
            ["patch"] = Convert.ToBase64String("[]"u8),
        },
    }, AdmissionResult.Injected);

    public AdmissionOutcome Review(JsonNode? admissionReview)
    {
        Reviews.Enqueue(admissionReview?.DeepClone());
        return Answer(admissionReview);
    }
}
