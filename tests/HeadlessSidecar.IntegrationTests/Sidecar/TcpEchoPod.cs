using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// A raw TCP pod on a loopback address: echoes every byte back, and when the client finishes sending (half-close)
/// it answers <c>\n&lt;pod name&gt;</c> after the echo and closes. So a client that half-closes and reads to the end
/// learns which pod served it, and gets an answer that exists only because its half-close got through.
/// </summary>
internal sealed class TcpEchoPod : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly HashSet<Socket> _open = [];
    private readonly List<Task> _sessions = [];
    private Socket? _listener;
    private CancellationTokenSource _stop = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _accepted;

    private TcpEchoPod(string name, IPEndPoint endPoint)
    {
        Name = name;
        EndPoint = endPoint;
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    public int AcceptedCount => Volatile.Read(ref _accepted);

    public int OpenCount
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    public static TcpEchoPod Start(string name, IPEndPoint endPoint)
    {
        var pod = new TcpEchoPod(name, endPoint);
        pod.Listen();
        return pod;
    }

    /// <summary>Pods web-0 … web-(n-1) on fresh loopback addresses sharing one port.</summary>
    public static TcpEchoPod[] StartSet(int count)
    {
        var addresses = Infrastructure.LoopbackAddresses.Next(count);
        var port = Infrastructure.LoopbackAddresses.FreePort(addresses);
        return [.. addresses.Select((a, i) => Start($"web-{i}", new IPEndPoint(a, port)))];
    }

    private void Listen()
    {
        _stop = new CancellationTokenSource();
        var listener = new Socket(EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(EndPoint);
        listener.Listen(1024);
        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener, _stop.Token);
    }

    /// <summary>Closes the listener only: new connections are refused, open ones go on.</summary>
    public async Task StopListeningAsync()
    {
        _listener?.Dispose();
        await _acceptLoop;
    }

    /// <summary>Closes the listener and every open connection.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await StopListeningAsync();
        Task[] sessions;
        lock (_lock)
        {
            sessions = [.. _sessions];
        }
        await Task.WhenAll(sessions);
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stop)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            lock (_lock)
            {
                _open.Add(client);
                _sessions.Add(ServeAsync(client, stop));
            }
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stop)
    {
        await Task.Yield();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await client.ReceiveAsync(buffer, SocketFlags.None, stop);
                if (read == 0)
                {
                    await client.SendAsync(Encoding.ASCII.GetBytes("\n" + Name), SocketFlags.None, stop);
                    client.Shutdown(SocketShutdown.Send);
                    return;
                }
                await client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_lock)
            {
                _open.Remove(client);
            }
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
