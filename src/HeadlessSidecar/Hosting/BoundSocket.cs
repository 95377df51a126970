using System.Net;
using Microsoft.AspNetCore.Connections;

namespace HeadlessSidecar.Hosting;

/// <summary>One real listening socket of a group, bound by Kestrel's socket transport, and its accept loop.</summary>
internal sealed class BoundSocket(IConnectionListener listener, IPEndPoint endPoint)
{
    public IConnectionListener Listener { get; } = listener;

    /// <summary>The bound address with its real port.</summary>
    public IPEndPoint EndPoint { get; } = endPoint;

    public Task AcceptLoop { get; set; } = Task.CompletedTask;

    /// <summary>How this socket's connections are served in a mixed group; null: as the group says.</summary>
    public SocketUse? Use
    {
        get => Volatile.Read(ref _use);
        set => Volatile.Write(ref _use, value);
    }

    private SocketUse? _use;

    /// <summary>Bound but not accepting yet (a reload's new listener before its configuration is in place).</summary>
    public bool Paused { get; set; }
}
