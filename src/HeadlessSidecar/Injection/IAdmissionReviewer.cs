using System.Text.Json.Nodes;

namespace HeadlessSidecar.Injection;

/// <summary>
/// The seam between the webhook's HTTPS host and the injection engine: one <c>AdmissionReview</c>
/// (<c>admission.k8s.io/v1</c>) request in, the full <c>AdmissionReview</c> response out. Never throws for bad
/// input: a review it cannot handle is answered allowed (fail open) with a warning and <see cref="AdmissionResult.Error"/>.
/// </summary>
internal interface IAdmissionReviewer
{
    AdmissionOutcome Review(JsonNode? admissionReview);
}
