using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// A pod's name and ordinal from its DNS name: the name is the first label, lower-cased; the ordinal is the label's
/// trailing <c>-N</c>. Labels that are a whole dashed address (<c>10-0-0-22</c>, <c>fd00--1</c>: pods without a
/// hostname, as CoreDNS names them) have no ordinal. Neither has <c>web-007</c>: a StatefulSet writes ordinals
/// without leading zeros, so <c>-007</c> cannot be ordinal 7 (which is <c>web-7</c>).
/// </summary>
internal static class PodNameParser
{
    public static (string Name, int? Ordinal) Parse(string hostName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostName);
        var trimmed = hostName.AsSpan().TrimEnd('.');
        var dot = trimmed.IndexOf('.');
        var label = (dot < 0 ? trimmed : trimmed[..dot]).ToString().ToLowerInvariant();
        return (label, ParseOrdinal(label));
    }

    /// <summary>The dashed form CoreDNS gives an address without a hostname: <c>10-0-0-22</c>, <c>fd00--1</c>.</summary>
    public static string DashedAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var text = address.ToString();
        var scope = text.IndexOf('%', StringComparison.Ordinal);
        if (scope >= 0)
        {
            text = text[..scope];
        }
        return text.Replace('.', '-').Replace(':', '-');
    }

    private static int? ParseOrdinal(string label)
    {
        var dash = label.LastIndexOf('-');
        if (dash <= 0 || dash == label.Length - 1)
        {
            return null;
        }
        var digits = label.AsSpan(dash + 1);
        if (digits.Length > 1 && digits[0] == '0')
        {
            return null;
        }
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            return null;
        }
        return IsDashedIPv4(label) || IsDashedIPv6(label) ? null : ordinal;
    }

    private static bool IsDashedIPv4(string label)
    {
        var groups = 0;
        foreach (var range in label.AsSpan().Split('-'))
        {
            var group = label.AsSpan(range);
            if (++groups > 4 || group.Length is 0 or > 3
                || !byte.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return false;
            }
        }
        return groups == 4;
    }

    private static bool IsDashedIPv6(string label) =>
        IPAddress.TryParse(label.Replace('-', ':'), out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;
}
