namespace HeadlessSidecar.FileWatching;

/// <summary>
/// What a <see cref="FileWatcher"/> knows of its files: the last content that read the same on two polls in a row,
/// and whether the latest poll could read them at all. Immutable; the watcher swaps in a new one.
/// </summary>
internal sealed class FileSetSnapshot
{
    public FileSetSnapshot(long version, IReadOnlyList<WatchedFile> files, string? error)
    {
        Version = version;
        Files = files;
        Error = error;
    }

    /// <summary>Goes up by one for each distinct content published; 0 while no content was ever read.</summary>
    public long Version { get; }

    /// <summary>The last good content, one entry per watched path in the order given; empty while <see cref="Version"/> is 0.
    /// Kept while the files cannot be read.</summary>
    public IReadOnlyList<WatchedFile> Files { get; }

    /// <summary>Why the latest poll could not read every file (missing, unreadable, too large); null when it could.</summary>
    public string? Error { get; }

    internal FileSetSnapshot WithError(string? error) => new(Version, Files, error);
}
