using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>One endpoint of a headless Service, as its EndpointSlice describes it.</summary>
public sealed class ClusterPod
{
    private IPAddress _address;

    internal ClusterPod(string name, IPAddress address, bool hasHostname, bool ready)
    {
        DnsNames.ThrowIfNotLabel(name, nameof(name));
        Name = name;
        _address = CheckAddress(address);
        HasHostname = hasHostname;
        Ready = ready;
    }

    /// <summary>The pod's name, e.g. <c>web-0</c>.</summary>
    public string Name { get; }

    /// <summary>The pod's address; set it to model a pod that came back with a new IP.</summary>
    public IPAddress Address
    {
        get => _address;
        set => _address = CheckAddress(value);
    }

    /// <summary>True for StatefulSet pods (the EndpointSlice carries a hostname); false names the pod by its dashed address.</summary>
    public bool HasHostname { get; set; }

    /// <summary>Not-ready pods are left out of DNS unless the Service publishes not-ready addresses.</summary>
    public bool Ready { get; set; }

    /// <summary>The first label of the pod's DNS name: <c>web-0</c>, or <c>127-0-0-22</c> / <c>fd00--1</c> without a hostname.</summary>
    public string HostLabel => HasHostname ? Name : DashedAddress(_address);

    /// <summary>The address as CoreDNS spells it in a name: dots (IPv4) or colons (IPv6) become dashes.</summary>
    public static string DashedAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.ToString().Replace('.', '-').Replace(':', '-');
    }

    public override string ToString() => $"{Name} {_address} ({(Ready ? "ready" : "not ready")})";

    private static IPAddress CheckAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) ||
            address.IsIPv4MappedToIPv6 ||
            (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0))
        {
            throw new ArgumentException($"'{address}' is not a plain IPv4 or IPv6 pod address.", nameof(address));
        }

        return address;
    }
}
