using HeadlessSidecar.Routing;

namespace HeadlessSidecar.Forwarding;

/// <summary>Why a request is refused before it is forwarded: the answer's error and a sentence for its detail.</summary>
internal readonly record struct FramingProblem(ProxyError Error, string Detail);
