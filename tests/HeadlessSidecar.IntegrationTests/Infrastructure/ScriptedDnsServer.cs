using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A DNS server on loopback (UDP and TCP, one port) that answers each query with whatever bytes
/// <see cref="Respond"/> returns: well-formed answers, hostile ones, several datagrams for one query, or none. What
/// Knot would never send, for the tests that must send exactly the bytes a hostile server did.
/// </summary>
internal sealed class ScriptedDnsServer : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private int _queries;

    private ScriptedDnsServer(IPEndPoint endPoint, Func<DnsQuery, IReadOnlyList<byte[]>> respond)
    {
        Respond = respond;
        _udp = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(endPoint);
        _tcp = new TcpListener(endPoint);
        _tcp.Start();
        EndPoint = endPoint;
        _udpLoop = UdpLoopAsync();
        _tcpLoop = TcpLoopAsync();
    }

    /// <summary>One query as the server saw it: name absolute and lower-case.</summary>
    internal readonly record struct DnsQuery(ushort Id, string Name, ushort Type, bool OverTcp);

    public IPEndPoint EndPoint { get; }

    /// <summary>The datagrams to send for a query (over TCP: the first one only). Swapped by tests between phases.</summary>
    public Func<DnsQuery, IReadOnlyList<byte[]>> Respond { get; set; }

    public int QueryCount => Volatile.Read(ref _queries);

    public static ScriptedDnsServer Start(Func<DnsQuery, IReadOnlyList<byte[]>> respond)
    {
        var address = LoopbackAddresses.Next();
        return new ScriptedDnsServer(new IPEndPoint(address, LoopbackAddresses.FreeDnsPort(address)), respond);
    }

    private static DnsQuery? Parse(ReadOnlySpan<byte> message, bool overTcp)
    {
        var offset = 12;
        Span<byte> name = stackalloc byte[DnsWireName.MaxLength];
        if (message.Length < 12 || !DnsWireName.TryRead(message, ref offset, name, out var length) || offset + 4 > message.Length
            || DnsWireName.ToHostName(name[..length]) is not { } text)
        {
            return null;
        }
        return new DnsQuery(BinaryPrimitives.ReadUInt16BigEndian(message), text, BinaryPrimitives.ReadUInt16BigEndian(message[offset..]), overTcp);
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var received = await _udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                if (Parse(buffer.AsSpan(0, received.ReceivedBytes), overTcp: false) is not { } query)
                {
                    continue;
                }
                Interlocked.Increment(ref _queries);
                foreach (var datagram in Respond(query))
                {
                    await _udp.SendToAsync(datagram, received.RemoteEndPoint, _stop.Token);
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            // Disposed: the socket may throw anything on the way out.
        }
    }

    private async Task TcpLoopAsync()
    {
        try
        {
            while (true)
            {
                using var client = await _tcp.AcceptTcpClientAsync(_stop.Token);
                try
                {
                    await AnswerOverTcpAsync(client.GetStream());
                }
                catch (IOException)
                {
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task AnswerOverTcpAsync(NetworkStream stream)
    {
        var prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, _stop.Token);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(message, _stop.Token);
        if (Parse(message, overTcp: true) is not { } query)
        {
            return;
        }
        Interlocked.Increment(ref _queries);
        if (Respond(query) is [var first, ..])
        {
            var framed = new byte[first.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)first.Length);
            first.CopyTo(framed, 2);
            await stream.WriteAsync(framed, _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp.Stop();
        await Task.WhenAll(_udpLoop, _tcpLoop);
        _stop.Dispose();
    }
}
