using System.Globalization;
using System.Net;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// The parts of <c>resolv.conf(5)</c> a resolver needs: name servers, search list and <c>ndots</c>, read the way
/// glibc reads them (at most three name servers; the last <c>search</c> or <c>domain</c> line wins; <c>ndots</c>
/// capped at 15). <c>RES_OPTIONS</c>, <c>LOCALDOMAIN</c> and the hostname-derived default domain are not applied.
/// </summary>
internal sealed class ResolvConf
{
    public const string DefaultPath = "/etc/resolv.conf";

    // glibc's MAXNS and RES_MAXNDOTS.
    internal const int MaxNameServers = 3;
    internal const int MaxNdots = 15;

    public static readonly ResolvConf Empty = new([], [], ndots: null);

    public ResolvConf(IReadOnlyList<IPAddress> nameServers, IReadOnlyList<string> search, int? ndots)
    {
        NameServers = nameServers;
        Search = search;
        Ndots = ndots;
    }

    public IReadOnlyList<IPAddress> NameServers { get; }

    /// <summary>Search domains without their trailing dot, in order.</summary>
    public IReadOnlyList<string> Search { get; }

    /// <summary>Null when no <c>options ndots:N</c> was given.</summary>
    public int? Ndots { get; }

    /// <summary>Reads <paramref name="path"/>; a missing or unreadable file gives <see cref="Empty"/>, as it does for the system resolver.</summary>
    public static ResolvConf Load(string path = DefaultPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Empty;
        }
        return Parse(text);
    }

    public static ResolvConf Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var servers = new List<IPAddress>();
        IReadOnlyList<string> search = [];
        int? ndots = null;

        foreach (var rawLine in text.Split('\n'))
        {
            var line = StripComment(rawLine);
            var fields = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }
            switch (fields[0])
            {
                case "nameserver":
                    if (servers.Count < MaxNameServers && IPAddress.TryParse(fields[1], out var address))
                    {
                        servers.Add(address);
                    }
                    break;
                case "domain":
                    search = NormalizeDomains(fields.AsSpan(1, 1));
                    break;
                case "search":
                    search = NormalizeDomains(fields.AsSpan(1));
                    break;
                case "options":
                    foreach (var option in fields.AsSpan(1))
                    {
                        if (option.StartsWith("ndots:", StringComparison.Ordinal)
                            && int.TryParse(option.AsSpan("ndots:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                        {
                            ndots = Math.Min(value, MaxNdots);
                        }
                    }
                    break;
            }
        }
        return new ResolvConf(servers, search, ndots);
    }

    // Domain names cannot contain '#' or ';', so a comment may start anywhere on the line.
    private static string StripComment(string line)
    {
        var index = line.AsSpan().IndexOfAny('#', ';');
        return index < 0 ? line : line[..index];
    }

    private static string[] NormalizeDomains(ReadOnlySpan<string> domains)
    {
        var result = new List<string>(domains.Length);
        foreach (var domain in domains)
        {
            var trimmed = domain.TrimEnd('.');
            if (trimmed.Length > 0 && !result.Contains(trimmed, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(trimmed);
            }
        }
        return [.. result];
    }
}
