namespace HeadlessSidecar.Routing;

/// <summary>An error the sidecar answers itself: status and the contract's <c>X-Headless-Error</c> code.</summary>
internal sealed class ProxyError
{
    public static readonly ProxyError BadOrdinal = new(400, "bad_ordinal");
    /// <summary>The app's request is malformed or ambiguous (its head or its body): refused, never forwarded.</summary>
    public static readonly ProxyError BadRequest = new(400, "bad_request");
    /// <summary>The app's body came too slowly (Kestrel's minimum data rate, or Timeouts:Request while it arrived).</summary>
    public static readonly ProxyError RequestTimeout = new(408, "request_timeout");
    /// <summary>The request uses a transfer coding the sidecar does not implement (only chunked is).</summary>
    public static readonly ProxyError NotImplemented = new(501, "not_implemented");
    public static readonly ProxyError UnknownService = new(404, "unknown_service");
    public static readonly ProxyError PodUnavailable = new(503, "pod_unavailable");
    public static readonly ProxyError NoEndpoints = new(503, "no_endpoints");
    public static readonly ProxyError UpstreamFailed = new(502, "upstream_failed");
    public static readonly ProxyError RetryBudgetExhausted = new(503, "retry_budget_exhausted");
    public static readonly ProxyError UpstreamTimeout = new(504, "upstream_timeout");
    public static readonly ProxyError PodOverloaded = new(503, "pod_overloaded");

    private ProxyError(int status, string code)
    {
        Status = status;
        Code = code;
    }

    public int Status { get; }

    public string Code { get; }
}
