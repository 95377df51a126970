using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Reload;

/// <summary>
/// Placeholder until the runtime applies reloads: it only records the new configuration as current.
/// Replaced by the real applier (helper "reload").
/// </summary>
internal sealed class SnapshotOnlyApplier(SidecarOptions initial) : IConfigurationApplier
{
    private SidecarOptions _current = initial;

    public SidecarOptions Current => Volatile.Read(ref _current);

    public Task<ReloadChanges> ApplyAsync(SidecarOptions next, CancellationToken cancellationToken)
    {
        var restart = next.AdminListen.Equals(Current.AdminListen) ? [] : new[] { $"{SidecarOptionsReader.SectionName}:Admin:Listen" };
        Volatile.Write(ref _current, next);
        return Task.FromResult(new ReloadChanges([], restart));
    }
}
