using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Forwarding;

/// <summary>Per-request state shared by the handler and the transformer (which YARP calls per attempt).</summary>
internal sealed class ProxyRequestState
{
    public required ServiceRuntime Service { get; init; }

    public PodState? Pod { get; set; }

    public int Attempts { get; set; }

    public string? FailoverReason { get; set; }

    /// <summary>Set per attempt: an answer with a <c>Retry:OnStatus</c> code is held back so the request can move on.</summary>
    public bool InterceptRetryableStatus { get; set; }

    /// <summary>The held-back status of this attempt, if any.</summary>
    public int? InterceptedStatus { get; set; }

    /// <summary>The attempt's <c>Timeouts:PerTry</c> timer, stopped when response headers arrive.</summary>
    public CancellationTokenSource? PerTryTimeout { get; set; }
}
