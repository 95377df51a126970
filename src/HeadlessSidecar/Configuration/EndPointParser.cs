using System.Globalization;
using System.Net;

namespace HeadlessSidecar.Configuration;

/// <summary>Parses <c>address:port</c> (<c>127.0.0.1:18001</c>, <c>[::1]:18001</c>, <c>localhost:18001</c>).</summary>
public static class EndPointParser
{
    public static bool TryParse(string? text, int? defaultPort, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var s = text.Trim();
        string host;
        string? port = null;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }
            host = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }
                port = rest[1..];
            }
        }
        else
        {
            var colon = s.LastIndexOf(':');
            if (colon >= 0 && s.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                // Several colons without brackets: a bare IPv6 address.
                host = s;
            }
            else if (colon >= 0)
            {
                host = s[..colon];
                port = s[(colon + 1)..];
            }
            else
            {
                host = s;
            }
        }
        int portNumber;
        if (port is null)
        {
            if (defaultPort is not int d)
            {
                return false;
            }
            portNumber = d;
        }
        else if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out portNumber) || portNumber is < 0 or > 65535)
        {
            return false;
        }
        IPAddress? address;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (host == "*")
        {
            address = IPAddress.Any;
        }
        else if (!IPAddress.TryParse(host, out address))
        {
            return false;
        }
        endPoint = new IPEndPoint(address, portNumber);
        return true;
    }
}
