namespace HeadlessSidecar.Hosting;

/// <summary>Every proxy listener group (not the admin listener), so draining can stop them accepting.</summary>
internal sealed record ProxyListenerGroups(IReadOnlyList<ListenerGroup> Groups);
