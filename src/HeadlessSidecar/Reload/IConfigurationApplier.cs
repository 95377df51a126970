using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Reload;

/// <summary>
/// Applies a configuration that <see cref="SidecarOptionsReader"/> already validated to the running sidecar,
/// all or nothing (contract section 10). The reloader (triggers, metrics, logs) calls it; the runtime implements it.
/// </summary>
internal interface IConfigurationApplier
{
    /// <summary>The configuration in effect now: start-up's, then each applied reload's. Never mutated.</summary>
    SidecarOptions Current { get; }

    /// <summary>
    /// Applies <paramref name="next"/>. On failure (a listener that cannot be bound) it throws
    /// <see cref="ConfigurationApplyException"/> and nothing has changed.
    /// </summary>
    Task<ReloadChanges> ApplyAsync(SidecarOptions next, CancellationToken cancellationToken);
}
