using System.Net;

namespace HeadlessSidecar.Discovery;

/// <summary>One discovered pod. <see cref="Name"/> is the first label of its hostname; <see cref="Ordinal"/>
/// its trailing <c>-N</c>, absent for dashed-IP names.</summary>
public sealed record PodEndpoint(string Name, int? Ordinal, IPAddress Address, int Port, string HostName)
{
    public IPEndPoint EndPoint { get; } = new(Address, Port);

    /// <summary>The <c>Host</c> sent upstream when the app's names the sidecar: the pod's DNS name (else its address)
    /// and the port unless 80. Computed once from the other members, so record equality is unchanged.</summary>
    public string UpstreamHost { get; } = FormatUpstreamHost(HostName, Address, Port);

    private static string FormatUpstreamHost(string hostName, IPAddress address, int port)
    {
        var name = string.IsNullOrEmpty(hostName)
            ? address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString()
            : hostName.TrimEnd('.');
        return port == 80 ? name : $"{name}:{port}";
    }
}
