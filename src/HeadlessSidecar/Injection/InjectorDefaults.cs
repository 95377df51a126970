namespace HeadlessSidecar.Injection;

/// <summary>
/// The command-line flags shared by <c>inject</c> and <c>webhook</c>: the defaults for pod templates without the
/// matching <c>headless-sidecar.io/*</c> annotation.
/// </summary>
internal sealed record InjectorDefaults
{
    public InjectionMode Mode { get; init; } = InjectionMode.Native;

    /// <summary>null: <c>headless-sidecar:&lt;version&gt;</c>.</summary>
    public string? Image { get; init; }

    public string ConfigMap { get; init; } = "headless-sidecar";
}
