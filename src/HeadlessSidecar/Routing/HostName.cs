using System.Net;

namespace HeadlessSidecar.Routing;

/// <summary>Reads the host name out of a <c>Host</c> value (port and trailing dot dropped).</summary>
internal static class HostName
{
    public static ReadOnlySpan<char> Get(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty)
        {
            return host;
        }
        if (host[0] == '[')
        {
            var close = host.IndexOf(']');
            return close > 0 ? host[..(close + 1)] : host;
        }
        var colon = host.LastIndexOf(':');
        if (colon >= 0)
        {
            host = host[..colon];
        }
        return host.TrimEnd('.');
    }

    /// <summary>True when the name points at this machine (the app addressed the sidecar, not a pod).</summary>
    public static bool IsLoopback(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (name[0] == '[' && name[^1] == ']')
        {
            name = name[1..^1];
        }
        if (TryParseDottedQuad(name, out var firstOctet))
        {
            return firstOctet == 127;
        }
        if (name.SequenceEqual("::1"))
        {
            return true;
        }
        // Other address forms (short IPv4, hex, other IPv6 spellings) are rare: parsing them allocates an IPAddress.
        return IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>
    /// Plain <c>a.b.c.d</c> with decimal octets and no leading zeros (which <see cref="IPAddress"/> would read as
    /// octal): the usual form, read without building an address. False for anything else.
    /// </summary>
    private static bool TryParseDottedQuad(ReadOnlySpan<char> name, out int firstOctet)
    {
        firstOctet = -1;
        var octets = 0;
        while (true)
        {
            var end = name.IndexOf('.');
            var part = end < 0 ? name : name[..end];
            if (part.IsEmpty || part.Length > 3 || part.Length > 1 && part[0] == '0')
            {
                return false;
            }
            var value = 0;
            foreach (var c in part)
            {
                if (!char.IsAsciiDigit(c))
                {
                    return false;
                }
                value = value * 10 + (c - '0');
            }
            if (value > 255)
            {
                return false;
            }
            if (octets++ == 0)
            {
                firstOctet = value;
            }
            if (end < 0)
            {
                return octets == 4;
            }
            if (octets == 4)
            {
                return false;
            }
            name = name[(end + 1)..];
        }
    }
}
