using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// An HTTP/1.1 pod on a loopback address that answers each request with the exact bytes its script returns,
/// so tests control framing down to the byte. It records each request (head and decoded body) and counts the
/// connections it accepted.
/// </summary>
internal sealed class ScriptedPod : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<ScriptedPod.Request, Reply> _script;
    private readonly Task _acceptLoop;
    private int _connections;
    private long _bytesReceived;

    public ScriptedPod(IPEndPoint endPoint, Func<Request, Reply> script)
    {
        _script = script;
        _listener = new TcpListener(endPoint);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Every byte that reached the pod, complete requests or not.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>A request as the pod read it: the raw head and the body with its framing removed.</summary>
    public sealed record Request(string Head, byte[] Body, int Connection, int Index)
    {
        public string RequestLine => Head[..Head.IndexOf("\r\n", StringComparison.Ordinal)];

        public string? Header(string name) => Head.Split("\r\n").Skip(1)
            .Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(l => l[(name.Length + 1)..].Trim()).FirstOrDefault();
    }

    /// <summary>Bytes to send back; <see cref="Close"/> closes the connection after them.</summary>
    public sealed record Reply(byte[] Bytes, bool Close = false)
    {
        public static Reply Text(string text, bool close = false) => new(Encoding.Latin1.GetBytes(text), close);
    }

    private async Task AcceptLoopAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                connections.Add(ServeAsync(client, Interlocked.Increment(ref _connections)));
            }
        }
        catch (Exception ex) when (_stop.IsCancellationRequested &&
            ex is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Disposal cancels before it stops the listener, so whatever the accept throws once stopped (including
            // InvalidOperationException, "not listening", when the loop reaches the accept after Stop()) is the
            // shutdown; an accept failing while the pod still runs is a real failure and surfaces from disposal.
        }
        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        using (client)
        {
            var reader = new LineReader(client.GetStream(), read => Interlocked.Add(ref _bytesReceived, read), _stop.Token);
            try
            {
                for (var index = 0; ; index++)
                {
                    var head = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) is { Length: > 0 })
                    {
                        head.Append(line).Append("\r\n");
                    }
                    if (line is null)
                    {
                        return;
                    }
                    var request = new Request(head.ToString(), [], connection, index);
                    var body = await ReadBodyAsync(reader, request);
                    request = request with { Body = body };
                    Requests.Enqueue(request);
                    var reply = _script(request);
                    await client.GetStream().WriteAsync(reply.Bytes, _stop.Token);
                    if (reply.Close)
                    {
                        client.Client.Shutdown(SocketShutdown.Both);
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or FormatException or OverflowException)
            {
                // A malformed request (what some tests send on purpose) ends the connection, unrecorded.
            }
        }
    }

    private static async Task<byte[]> ReadBodyAsync(LineReader reader, Request request)
    {
        if (request.Header("Content-Length") is { } length)
        {
            return await reader.ReadExactAsync(int.Parse(length, CultureInfo.InvariantCulture));
        }
        if (request.Header("Transfer-Encoding") is not { } coding || !coding.Equals("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }
        var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await reader.ReadLineAsync() ?? throw new IOException("truncated chunk size");
            var size = int.Parse(sizeLine.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                while ((await reader.ReadLineAsync())?.Length > 0)
                {
                }
                return body.ToArray();
            }
            body.Write(await reader.ReadExactAsync(size));
            await reader.ReadLineAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }

    /// <summary>Reads CRLF lines and exact byte counts from a stream.</summary>
    private sealed class LineReader(Stream stream, Action<int> received, CancellationToken cancellationToken)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync()
        {
            var line = new StringBuilder();
            while (true)
            {
                if (_start == _end && !await FillAsync())
                {
                    return null;
                }
                var b = _buffer[_start++];
                if (b == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }
                line.Append((char)b);
            }
        }

        public async Task<byte[]> ReadExactAsync(int count)
        {
            var result = new byte[count];
            var copied = 0;
            while (copied < count)
            {
                if (_start == _end && !await FillAsync())
                {
                    throw new IOException("truncated body");
                }
                var take = Math.Min(count - copied, _end - _start);
                Array.Copy(_buffer, _start, result, copied, take);
                _start += take;
                copied += take;
            }
            return result;
        }

        private async Task<bool> FillAsync()
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            received(_end);
            return _end > 0;
        }
    }
}
