using System.Net;

namespace HeadlessSidecar.Configuration;

public sealed class DnsOptions
{
    /// <summary>Null: taken from /etc/resolv.conf.</summary>
    public IReadOnlyList<IPEndPoint>? Servers { get; set; }
    /// <summary>Null: taken from /etc/resolv.conf.</summary>
    public IReadOnlyList<string>? Search { get; set; }
    /// <summary>Null: taken from /etc/resolv.conf.</summary>
    public int? Ndots { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan MinRefresh { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxRefresh { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxStale { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Records (all sections) believed in one DNS answer; an answer with more is refused whole.</summary>
    public int MaxAnswerRecords { get; set; } = DefaultMaxAnswerRecords;

    /// <summary>Room for a 1,000-pod SRV answer with its glue (2,000 records) and more than twice that.</summary>
    public const int DefaultMaxAnswerRecords = 5000;
}
