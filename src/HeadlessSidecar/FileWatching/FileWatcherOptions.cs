namespace HeadlessSidecar.FileWatching;

/// <summary>How a <see cref="FileWatcher"/> polls.</summary>
internal sealed record FileWatcherOptions
{
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(2);

    /// <summary>Time between two reads of the files. A change is reported one to two intervals after it lands, since
    /// new content must read the same twice in a row.</summary>
    public TimeSpan PollInterval { get; init; } = DefaultPollInterval;

    /// <summary>Every poll reads each file whole: certificates and configuration are small, and a larger file is
    /// reported as an error rather than read.</summary>
    public int MaxFileBytes { get; init; } = 1024 * 1024;
}
