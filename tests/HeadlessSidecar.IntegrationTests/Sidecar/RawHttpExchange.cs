using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// Sends exact bytes to a listener over a fresh socket and reads one HTTP/1.1 answer (or notes that the
/// connection closed without one), so tests can put malformed requests on the wire as an attacker would.
/// </summary>
internal static class RawHttpExchange
{
    /// <summary>An answer as it came: its status (0 when none came), head and body.</summary>
    public sealed record Answer(int Status, string Head, string Body)
    {
        public string? Header(string name) => Head.Split("\r\n").Skip(1)
            .Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(l => l[(name.Length + 1)..].Trim()).FirstOrDefault();

        public override string ToString() => Status == 0 ? "(no answer)" : Head + "\r\n\r\n" + Body;
    }

    public static Task<Answer> SendAsync(IPEndPoint endPoint, string request, CancellationToken cancellationToken) =>
        SendAsync(endPoint, Encoding.Latin1.GetBytes(request), cancellationToken);

    public static async Task<Answer> SendAsync(IPEndPoint endPoint, byte[] request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, timeout.Token);
        await socket.SendAsync(request, SocketFlags.None, timeout.Token);
        return await ReadAnswerAsync(socket, timeout.Token);
    }

    /// <summary>Reads one answer: its head, then a Content-Length body, or everything until the peer closes.</summary>
    public static async Task<Answer> ReadAnswerAsync(Socket socket, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        var buffer = new byte[16 * 1024];
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(received)) < 0)
        {
            var read = await ReceiveAsync(socket, buffer, cancellationToken);
            if (read == 0)
            {
                return new Answer(0, Encoding.Latin1.GetString([.. received]), "");
            }
            received.AddRange(buffer.AsSpan(0, read));
        }
        var head = Encoding.Latin1.GetString([.. received.Take(headEnd)]);
        var body = received.Skip(headEnd + 4).ToList();
        var answer = new Answer(int.Parse(head.Split(' ')[1], CultureInfo.InvariantCulture), head, "");
        var length = answer.Header("Content-Length") is { } l ? int.Parse(l, CultureInfo.InvariantCulture) : int.MaxValue;
        var chunked = string.Equals(answer.Header("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase);
        while (body.Count < length && !(chunked && EndsWithLastChunk(body)))
        {
            var read = await ReceiveAsync(socket, buffer, cancellationToken);
            if (read == 0)
            {
                break;
            }
            body.AddRange(buffer.AsSpan(0, read));
        }
        var text = Encoding.Latin1.GetString([.. body]);
        return answer with { Body = chunked ? Dechunk(text) : text };
    }

    /// <summary>The data of a complete chunked body (our own answers are chunked; extensions and trailers ignored).</summary>
    private static string Dechunk(string chunked)
    {
        var data = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (lineEnd < 0)
            {
                return data.ToString();
            }
            var size = int.Parse(chunked.AsSpan(at, lineEnd - at).ToString().Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                return data.ToString();
            }
            data.Append(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    private static async Task<int> ReceiveAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
    }

    private static bool EndsWithLastChunk(List<byte> body) =>
        body.Count >= 5 && Encoding.Latin1.GetString([.. body.TakeLast(5)]) == "0\r\n\r\n";

    private static int IndexOfHeadEnd(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }
}
