using System.Net;
using Microsoft.AspNetCore.Connections;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// What Kestrel sees of one role of a group: its accept loop takes the connections the group sorted into the role.
/// The connections are the socket transport's own, with the real socket's local address.
/// </summary>
internal sealed class RoleConnectionListener(ListenerGroup group, ListenerGroupEndPoint endPoint, RoleQueue queue) : IConnectionListener
{
    private int _unbound;

    public EndPoint EndPoint => endPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        var reader = queue.Reader;
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            if (reader.TryRead(out var connection))
            {
                return connection;
            }
        }

        // Null tells Kestrel's accept loop that the listener is done.
        return null;
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) =>
        Interlocked.Exchange(ref _unbound, 1) == 0 ? group.UnbindRoleAsync(queue) : default;

    // Kestrel disposes after unbinding, or without unbinding when a start fails.
    public ValueTask DisposeAsync() => UnbindAsync();
}
