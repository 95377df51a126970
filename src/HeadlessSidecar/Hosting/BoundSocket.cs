using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// One real listening socket of a group, bound by Kestrel's socket transport, and its accept loop. The loop accepts
/// through the transport (Kestrel connections) or, for raw TCP handed to a handler (<see cref="ListenerGroup.AcceptTcpWith"/>),
/// on the listening socket itself.
/// </summary>
internal sealed class BoundSocket(IConnectionListener listener, Socket socket, IPEndPoint endPoint) : IDisposable
{
    private readonly Lock _sync = new();
    private CancellationTokenSource _acceptSwitch = new();

    public IConnectionListener Listener { get; } = listener;

    /// <summary>The listening socket under <see cref="Listener"/>.</summary>
    public Socket Socket { get; } = socket;

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

    /// <summary>Cancelled when the socket switches between accepting raw sockets and Kestrel connections.</summary>
    public CancellationToken AcceptSwitch
    {
        get
        {
            lock (_sync)
            {
                return _acceptSwitch.Token;
            }
        }
    }

    /// <summary>Ends the pending accept (it started under the previous use) so the loop accepts the new way.</summary>
    public void SwitchAccept()
    {
        CancellationTokenSource old;
        lock (_sync)
        {
            old = _acceptSwitch;
            _acceptSwitch = new CancellationTokenSource();
        }
        // Not disposed: the loop may be about to pass its token on; a source with no timer holds nothing.
        old.Cancel();
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _acceptSwitch.Dispose();
        }
    }
}
