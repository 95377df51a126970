using System.Collections.Frozen;

namespace HeadlessSidecar.Routing;

/// <summary>
/// The names a request's <c>Host</c> may use for a service: its configured <c>Host</c> and every leading part of
/// its FQDN (<c>nginx-headless</c>, <c>nginx-headless.default</c>, … the full FQDN).
/// </summary>
internal sealed class ServiceNameSet
{
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public ServiceNameSet(string configuredHost, string? fqdn)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { configuredHost.TrimEnd('.') };
        if (!string.IsNullOrEmpty(fqdn))
        {
            var trimmed = fqdn.TrimEnd('.');
            for (var dot = trimmed.IndexOf('.', StringComparison.Ordinal); dot > 0; dot = trimmed.IndexOf('.', dot + 1))
            {
                names.Add(trimmed[..dot]);
            }
            names.Add(trimmed);
        }
        Names = names.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _lookup = Names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public FrozenSet<string> Names { get; }

    public bool IsServiceName(ReadOnlySpan<char> host) => _lookup.Contains(host);

    /// <summary><c>web-2.nginx-headless</c> → <c>web-2</c> when the rest names this service.</summary>
    public bool TryGetPodLabel(ReadOnlySpan<char> host, out ReadOnlySpan<char> label)
    {
        var dot = host.IndexOf('.');
        if (dot > 0 && _lookup.Contains(host[(dot + 1)..]))
        {
            label = host[..dot];
            return true;
        }
        label = default;
        return false;
    }
}
