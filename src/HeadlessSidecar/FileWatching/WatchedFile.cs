namespace HeadlessSidecar.FileWatching;

/// <summary>One file as a poll read it.</summary>
/// <param name="Path">The path the watcher was given (for a mounted Secret, <c>/etc/tls/tls.crt</c>).</param>
/// <param name="ResolvedPath">Where every symbolic link led when it was read (<c>/etc/tls/..2026_12_06_02_00_00.123/tls.crt</c>).</param>
/// <param name="Content">The bytes read.</param>
/// <param name="Hash">SHA-256 of <paramref name="Content"/>, lower-case hex: content, not mtime, decides a change.</param>
internal sealed record WatchedFile(string Path, string ResolvedPath, ReadOnlyMemory<byte> Content, string Hash);
