using System.Text.Json.Nodes;

namespace HeadlessSidecar.Injection;

/// <summary>What the webhook sends back (<paramref name="Response"/>, a whole AdmissionReview) and how it counts it.</summary>
internal sealed record AdmissionOutcome(JsonObject Response, AdmissionResult Result);
