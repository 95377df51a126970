namespace HeadlessSidecar.Configuration;

/// <summary>How <see cref="SidecarOptionsReader"/> reads: whether the files a configuration names (TLS certificates)
/// are opened and checked, and the time certificates are checked against.</summary>
public sealed record SidecarReadOptions
{
    public static readonly SidecarReadOptions Default = new();

    /// <summary>False for <c>validate --no-files</c>: a ConfigMap checked outside its pod, where the Secrets are not mounted.</summary>
    public bool CheckFiles { get; init; } = true;

    /// <summary>The time expiry is checked against; null = now.</summary>
    public DateTimeOffset? Now { get; init; }
}
