using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>Name spelling shared by the zone model and its renderer.</summary>
internal static class DnsNames
{
    public static void ThrowIfNotLabel(string label, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(label, paramName);
        if (label.Length > 63 || label[0] == '-' || label[^1] == '-' ||
            !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"'{label}' is not a lower-case DNS label (RFC 1123).", paramName);
        }
    }

    /// <summary><c>22.0.0.127.in-addr.arpa</c>, or the 32-nibble <c>ip6.arpa</c> name.</summary>
    public static string ReverseName(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var builder = new StringBuilder();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            for (var i = bytes.Length - 1; i >= 0; i--)
            {
                builder.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            }

            return builder.Append("in-addr.arpa").ToString();
        }

        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{bytes[i] & 0xF:x}.{bytes[i] >> 4:x}.");
        }

        return builder.Append("ip6.arpa").ToString();
    }
}
