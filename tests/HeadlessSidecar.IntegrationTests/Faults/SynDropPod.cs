using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>
/// A black-holed pod: a socket that listens and never accepts, its one-connection backlog filled at start, so the
/// kernel drops every further SYN and each connect waits for the client's own timeout, as behind a node that
/// drops packets.
/// </summary>
internal sealed class SynDropPod : IDisposable
{
    private readonly Socket _listener;
    private readonly Socket _filler;

    public SynDropPod(IPEndPoint endPoint)
    {
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(endPoint);
        _listener.Listen(0);
        _filler = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _filler.Connect(endPoint);
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose()
    {
        _filler.Dispose();
        _listener.Dispose();
    }
}
