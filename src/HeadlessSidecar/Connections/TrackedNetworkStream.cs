using System.Net.Sockets;

namespace HeadlessSidecar.Connections;

/// <summary>An upstream connection's stream that tells its pool when it closes, so open connections can be counted.</summary>
internal sealed class TrackedNetworkStream : NetworkStream
{
    private readonly Action _onClosed;
    private int _closed;

    public TrackedNetworkStream(Socket socket, Action onClosed)
        : base(socket, ownsSocket: true)
    {
        _onClosed = onClosed;
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _onClosed();
        }
        base.Dispose(disposing);
    }
}
