using System.Net;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// The resolver settings in force: each of <c>Dns:Servers</c>, <c>Dns:Search</c> and <c>Dns:Ndots</c> that is absent
/// comes from resolv.conf, and what neither gives takes the resolver's default (127.0.0.1:53, no search list, ndots 1).
/// </summary>
internal sealed class EffectiveDnsSettings
{
    public const int DnsPort = 53;
    public const int DefaultNdots = 1;

    public EffectiveDnsSettings(IReadOnlyList<IPEndPoint> servers, IReadOnlyList<string> search, int ndots, TimeSpan timeout,
        int maxAnswerRecords = DnsOptions.DefaultMaxAnswerRecords)
    {
        MaxAnswerRecords = maxAnswerRecords;
        Servers = servers;
        Search = search;
        Ndots = ndots;
        Timeout = timeout;
    }

    public IReadOnlyList<IPEndPoint> Servers { get; }

    /// <summary>Search domains without their trailing dot.</summary>
    public IReadOnlyList<string> Search { get; }

    public int Ndots { get; }

    /// <summary>Per query attempt.</summary>
    public TimeSpan Timeout { get; }

    /// <summary><c>Dns:MaxAnswerRecords</c>.</summary>
    public int MaxAnswerRecords { get; }

    public static EffectiveDnsSettings Create(DnsOptions options, ResolvConf resolvConf)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(resolvConf);

        IReadOnlyList<IPEndPoint> servers = options.Servers is { } configured
            ? [.. configured]
            : [.. resolvConf.NameServers.Select(address => new IPEndPoint(address, DnsPort))];
        if (servers.Count == 0)
        {
            // What glibc does when resolv.conf names no server.
            servers = [new IPEndPoint(IPAddress.Loopback, DnsPort)];
        }

        IReadOnlyList<string> search = options.Search is { } domains
            ? [.. domains.Select(d => d.TrimEnd('.')).Where(d => d.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)]
            : resolvConf.Search;

        var ndots = options.Ndots ?? resolvConf.Ndots ?? DefaultNdots;
        return new EffectiveDnsSettings(servers, search, ndots, options.Timeout, options.MaxAnswerRecords);
    }
}
