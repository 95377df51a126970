using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeadlessSidecar.Discovery;

/// <summary>Small helpers for DNS names: absolute form, display form, reverse-lookup names.</summary>
internal static class DnsNames
{
    /// <summary>Lower-case with a trailing dot, for comparing names as DNS does.</summary>
    public static string Absolute(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var lower = name.ToLowerInvariant();
        return lower.EndsWith('.') ? lower : lower + ".";
    }

    /// <summary>Without the trailing dot: the form of an HTTP <c>Host</c> and of configuration.</summary>
    public static string Relative(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.TrimEnd('.');
    }

    /// <summary><c>22.0.0.10.in-addr.arpa.</c> or the nibble form under <c>ip6.arpa.</c>.</summary>
    public static string ReverseLookupName(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var bytes = address.GetAddressBytes();
        var builder = new StringBuilder(address.AddressFamily == AddressFamily.InterNetworkV6 ? 73 : 29);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            for (var i = bytes.Length - 1; i >= 0; i--)
            {
                builder.Append(CultureInfo.InvariantCulture, $"{bytes[i] & 0xF:x}.{bytes[i] >> 4:x}.");
            }
            return builder.Append("ip6.arpa.").ToString();
        }
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{bytes[i]}.");
        }
        return builder.Append("in-addr.arpa.").ToString();
    }
}
