namespace HeadlessSidecar.FileWatching;

/// <summary>Follows every symbolic link of a path, in any component, as the kernel does when it opens it.</summary>
internal static class SymbolicLinks
{
    // Linux's own limit (MAXSYMLINKS): past it a path is taken to loop.
    private const int MaxHops = 40;

    /// <summary>
    /// The path with each link replaced by its target: <c>/etc/tls/tls.crt</c> → <c>/etc/tls/..data/tls.crt</c> →
    /// <c>/etc/tls/..2026_12_06_02_00_00.123/tls.crt</c>. Components that do not exist are kept as written.
    /// </summary>
    /// <exception cref="IOException">The links loop.</exception>
    public static string Resolve(string path)
    {
        var full = Absolute(path);
        var root = Path.GetPathRoot(full) ?? "/";
        // Components still to walk, the next one last.
        var pending = new List<string>();
        Push(pending, full[root.Length..]);
        var resolved = root;
        var hops = 0;
        while (pending.Count > 0)
        {
            var component = pending[^1];
            pending.RemoveAt(pending.Count - 1);
            if (component is "" or ".")
            {
                continue;
            }
            if (component == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? root;
                continue;
            }
            var candidate = Path.Join(resolved, component);
            var target = new FileInfo(candidate).LinkTarget;
            if (target is null)
            {
                resolved = candidate;
                continue;
            }
            if (++hops > MaxHops)
            {
                throw new IOException($"'{path}': too many levels of symbolic links");
            }
            if (Path.IsPathRooted(target))
            {
                resolved = Path.GetPathRoot(target) ?? root;
                target = target[resolved.Length..];
            }
            Push(pending, target);
        }
        return resolved;
    }

    /// <summary>The path made absolute against the current directory, its <c>..</c> kept: <see cref="Path.GetFullPath(string)"/>
    /// would remove them by text, where the kernel applies them after following the link before them.</summary>
    public static string Absolute(string path) => Path.IsPathRooted(path) ? path : Path.Join(Environment.CurrentDirectory, path);

    private static void Push(List<string> pending, string relative)
    {
        var parts = relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Add(parts[i]);
        }
    }
}
