using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// One real listening socket of a group, bound by the group itself, and its accept loop. Its connections become
/// Kestrel connections, or with <see cref="ListenerGroup.AcceptTcpWith"/> raw TCP ones go straight to a handler.
/// </summary>
internal sealed class BoundSocket(Socket listener, IPEndPoint endPoint)
{
    public Socket Listener { get; } = listener;

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
