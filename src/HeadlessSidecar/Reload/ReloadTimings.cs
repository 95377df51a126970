namespace HeadlessSidecar.Reload;

/// <summary>
/// How fast a change is seen. The contract wants a written file applied within 5 s: the watcher publishes new content
/// once two polls in a row read it (at most two intervals after the write), then the quiet period passes.
/// </summary>
internal sealed record ReloadTimings
{
    /// <summary>Time between two reads of the watched files.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A burst of triggers (an editor's several writes, a few SIGHUPs) is one reload once none came for this long.</summary>
    public TimeSpan Quiet { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A burst that never goes quiet still reloads this long after its first trigger.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);
}
