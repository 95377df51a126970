using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Routing;

/// <summary>What a local endpoint serves: one or more services (a shared <c>Listen</c>), or one pinned ordinal.</summary>
internal sealed record ListenerBinding(ServiceRuntime[] Services, int? Ordinal);
