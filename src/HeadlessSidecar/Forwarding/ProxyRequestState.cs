using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Forwarding;

/// <summary>Per-request state shared by the handler and the transformer (which YARP calls per attempt).</summary>
internal sealed class ProxyRequestState
{
    public required ServiceRuntime Service { get; init; }

    public PodState? Pod { get; set; }

    public int Attempts { get; set; }

    public string? FailoverReason { get; set; }
}
