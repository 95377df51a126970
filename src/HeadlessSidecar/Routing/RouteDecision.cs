using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Routing;

/// <summary>Where a request goes: balanced, pinned to a pod, or answered with an error.</summary>
internal readonly record struct RouteDecision(RouteKind Kind, PodState? Pod, ProxyError? Error, string? Detail)
{
    public static readonly RouteDecision Balanced = new(RouteKind.Balanced, null, null, null);

    public static RouteDecision Pinned(PodState pod) => new(RouteKind.Pinned, pod, null, null);

    public static RouteDecision Fail(ProxyError error, string detail) => new(RouteKind.Error, null, error, detail);
}
