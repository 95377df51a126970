using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>
/// A pod whose connections are reset in the middle of each answer: it reads a request head, sends part of a
/// response (<see cref="ResetPoint"/>) and closes with RST (linger 0), as a crashing worker or a middlebox does.
/// </summary>
internal sealed class ResettingPod : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly byte[] _partial;
    private int _resets;

    public ResettingPod(IPEndPoint endPoint, ResetPoint point)
    {
        _partial = Encoding.ASCII.GetBytes(point == ResetPoint.InHead
            ? "HTTP/1.1 200 OK\r\nContent-Le"
            : "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-Pod: resetting\r\n\r\n" + new string('x', 100));
        _listener = new TcpListener(endPoint);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public enum ResetPoint
    {
        /// <summary>Part of the status line and headers, then RST: nothing usable reached the sidecar.</summary>
        InHead,

        /// <summary>The whole head and 100 of 1000 body bytes, then RST: the app already has the response's start.</summary>
        InBody,
    }

    /// <summary>Connections reset so far (one per request the pod saw).</summary>
    public int Resets => Volatile.Read(ref _resets);

    private async Task AcceptLoopAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                connections.Add(ServeAsync(await _listener.AcceptSocketAsync(_stop.Token)));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new byte[16 * 1024];
            var head = new StringBuilder();
            try
            {
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await socket.ReceiveAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }
                    head.Append(Encoding.Latin1.GetString(buffer, 0, read));
                }
                await socket.SendAsync(_partial, _stop.Token);
                socket.LingerState = new LingerOption(true, 0);
                Interlocked.Increment(ref _resets);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                // The sidecar went away first, or the pod is stopping.
            }
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
