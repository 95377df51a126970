using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// A misbehaving pod on a loopback address: <see cref="BlackHole"/> accepts connections and never answers;
/// <see cref="AlwaysStatus"/> answers every HTTP/1.1 request with one status (keep-alive).
/// </summary>
internal sealed class RawPod : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly int? _status;
    private int _requests;

    private RawPod(IPEndPoint endPoint, int? status)
    {
        _status = status;
        _listener = new TcpListener(endPoint);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int RequestCount => Volatile.Read(ref _requests);

    public static RawPod BlackHole(IPEndPoint endPoint) => new(endPoint, null);

    public static RawPod AlwaysStatus(IPEndPoint endPoint, int status) => new(endPoint, status);

    private async Task AcceptLoopAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                connections.Add(ServeAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new byte[64 * 1024];
            var pending = new StringBuilder();
            try
            {
                while (true)
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }
                    if (_status is not int status)
                    {
                        continue; // Black hole: read and never answer.
                    }
                    pending.Append(Encoding.Latin1.GetString(buffer, 0, read));
                    int end;
                    while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                    {
                        var head = pending.ToString(0, end);
                        pending.Remove(0, end + 4);
                        Interlocked.Increment(ref _requests);
                        var length = ContentLength(head);
                        // Discard a small body (tests send bodies that fit in what was read or arrives next).
                        while (pending.Length < length)
                        {
                            var more = await stream.ReadAsync(buffer, _stop.Token);
                            if (more == 0)
                            {
                                return;
                            }
                            pending.Append(Encoding.Latin1.GetString(buffer, 0, more));
                        }
                        pending.Remove(0, (int)Math.Min(length, pending.Length));
                        var response = $"HTTP/1.1 {status} Status {status}\r\nContent-Length: 0\r\nX-Pod: raw\r\n\r\n";
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
            {
            }
        }
    }

    private static long ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return long.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }
}
