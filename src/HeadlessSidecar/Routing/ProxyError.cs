namespace HeadlessSidecar.Routing;

/// <summary>An error the sidecar answers itself: status and the contract's <c>X-Headless-Error</c> code.</summary>
internal sealed class ProxyError
{
    public static readonly ProxyError BadOrdinal = new(400, "bad_ordinal");
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
