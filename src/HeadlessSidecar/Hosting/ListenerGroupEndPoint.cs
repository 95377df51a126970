using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// The endpoint Kestrel is given for one role of a <see cref="ListenerGroup"/>; only the group's transport binds it.
/// </summary>
public sealed class ListenerGroupEndPoint : EndPoint
{
    public ListenerGroupEndPoint(ListenerGroup group, ListenerRole role)
    {
        ArgumentNullException.ThrowIfNull(group);
        Group = group;
        Role = role;
    }

    public ListenerGroup Group { get; }

    public ListenerRole Role { get; }

    // EndPoint's default throws; Kestrel and loggers may ask.
    public override AddressFamily AddressFamily => AddressFamily.Unspecified;

    public override bool Equals(object? obj) =>
        obj is ListenerGroupEndPoint other && ReferenceEquals(other.Group, Group) && other.Role == Role;

    public override int GetHashCode() => HashCode.Combine(Group, Role);

    // Kestrel shows "http://{this}" as the endpoint's address: keep it a well-formed URL.
    public override string ToString() => Role switch
    {
        ListenerRole.Http1 => $"listener-group/{Group.Name}/http1",
        ListenerRole.Http2 => $"listener-group/{Group.Name}/http2",
        _ => $"listener-group/{Group.Name}/raw",
    };
}
