namespace HeadlessSidecar.Injection;

/// <summary>What one pod template gets: its annotations over the command-line flags over the defaults.</summary>
internal sealed record SidecarSettings(
    InjectionMode Mode,
    string Image,
    string ConfigMap,
    string CpuRequest,
    string MemoryRequest,
    string MemoryLimit,
    string? CredentialsSecret,
    string? TlsSecret,
    string DrainDelay);
