using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>A loopback address that is no pod: it accepts and counts connections, and closes them. Any count above
/// zero means something was sent where a hostile answer pointed.</summary>
internal sealed class CanaryListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public CanaryListener(IPEndPoint endPoint)
    {
        _listener = new TcpListener(endPoint);
        _listener.Start();
        EndPoint = endPoint;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int ConnectionCount => Volatile.Read(ref _connections);

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }
}
