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
        return IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address);
    }
}
