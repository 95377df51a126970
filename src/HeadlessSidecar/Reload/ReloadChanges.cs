namespace HeadlessSidecar.Reload;

/// <summary>What a reload changed, for its log lines.</summary>
/// <param name="Changes">One line per changed item, e.g. <c>service web: Retry, LoadBalancing</c>; empty when nothing changed.</param>
/// <param name="RestartRequired">Keys whose change needs a restart (<c>Sidecar:Admin:Listen</c>): left as they were.</param>
internal sealed record ReloadChanges(IReadOnlyList<string> Changes, IReadOnlyList<string> RestartRequired)
{
    public static ReloadChanges None { get; } = new([], []);
}
