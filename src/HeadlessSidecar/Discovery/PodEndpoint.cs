using System.Net;

namespace HeadlessSidecar.Discovery;

/// <summary>One discovered pod. <see cref="Name"/> is the first label of its hostname; <see cref="Ordinal"/>
/// its trailing <c>-N</c>, absent for dashed-IP names.</summary>
public sealed record PodEndpoint(string Name, int? Ordinal, IPAddress Address, int Port, string HostName)
{
    public IPEndPoint EndPoint { get; } = new(Address, Port);
}
