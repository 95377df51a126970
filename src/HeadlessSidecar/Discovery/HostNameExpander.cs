namespace HeadlessSidecar.Discovery;

/// <summary>
/// The names a stub resolver tries for a host, in glibc's order (<c>res_nsearch</c>): a name with a trailing dot is
/// absolute and tried alone; a name with at least <c>ndots</c> dots is tried as is first, then with each search
/// domain; a shorter one with each search domain first, then as is.
/// </summary>
internal static class HostNameExpander
{
    /// <summary>Candidate names, each absolute (ending with a dot), without duplicates.</summary>
    public static IReadOnlyList<string> Expand(string name, IReadOnlyList<string> search, int ndots)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(search);

        if (name.EndsWith('.'))
        {
            return [name];
        }

        var asIs = name + ".";
        var candidates = new List<string>(search.Count + 1);
        var dots = name.AsSpan().Count('.');
        if (dots >= ndots)
        {
            candidates.Add(asIs);
        }
        foreach (var domain in search)
        {
            var suffix = domain.Trim('.');
            if (suffix.Length == 0)
            {
                continue;
            }
            var candidate = $"{name}.{suffix}.";
            if (!candidates.Contains(candidate, StringComparer.OrdinalIgnoreCase))
            {
                candidates.Add(candidate);
            }
        }
        if (!candidates.Contains(asIs, StringComparer.OrdinalIgnoreCase))
        {
            candidates.Add(asIs);
        }
        return candidates;
    }
}
