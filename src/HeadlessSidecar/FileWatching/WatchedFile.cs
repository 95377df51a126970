using System.IO.Hashing;

namespace HeadlessSidecar.FileWatching;

/// <summary>One file as a poll read it.</summary>
/// <param name="Path">The path the watcher was given (for a mounted Secret, <c>/etc/tls/tls.crt</c>).</param>
/// <param name="ResolvedPath">Where every symbolic link led when it was read (<c>/etc/tls/..2026_12_06_02_00_00.123/tls.crt</c>).</param>
/// <param name="Content">The bytes read.</param>
/// <param name="Hash"><see cref="HashOf"/> the <paramref name="Content"/>: content, not mtime, decides a change.</param>
internal sealed record WatchedFile(string Path, string ResolvedPath, ReadOnlyMemory<byte> Content, string Hash)
{
    /// <summary>XXH128 of <paramref name="content"/>, lower-case hex. Change detection only, nothing to defend against: a
    /// cryptographic hash here (SHA-256 goes through OpenSSL on Linux) loaded and touched libcrypto at start-up, ~3.5 MB
    /// of the sidecar's resident memory for a service without TLS.</summary>
    public static string HashOf(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(XxHash128.Hash(content));
}
