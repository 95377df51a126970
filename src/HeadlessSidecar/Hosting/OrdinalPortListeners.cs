namespace HeadlessSidecar.Hosting;

/// <summary>The listener group of each service that has <c>OrdinalPortBase</c>, keyed by service.</summary>
internal sealed record OrdinalPortListeners(IReadOnlyDictionary<string, ListenerGroup> Groups);
