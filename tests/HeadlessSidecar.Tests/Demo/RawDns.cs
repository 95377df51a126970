using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.Tests.Demo;

/// <summary>DNS messages built and read by hand, for what DnsClient hides: flags, truncation, malformed input, framing.</summary>
internal static class RawDns
{
    public const ushort TypeA = 1;
    public const ushort TypeSrv = 33;
    public const int TruncatedFlag = 0x0200;

    public static byte[] Query(ushort id, string name, ushort type, int? ednsPayload = null, byte ednsVersion = 0)
    {
        var message = new List<byte>();
        AddUInt16(message, id);
        AddUInt16(message, 0x0100);
        AddUInt16(message, 1);
        AddUInt16(message, 0);
        AddUInt16(message, 0);
        AddUInt16(message, (ushort)(ednsPayload is null ? 0 : 1));
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            message.Add((byte)label.Length);
            message.AddRange(label.Select(c => (byte)c));
        }

        message.Add(0);
        AddUInt16(message, type);
        AddUInt16(message, 1);
        if (ednsPayload is { } payload)
        {
            message.Add(0);
            AddUInt16(message, 41);
            AddUInt16(message, (ushort)payload);
            message.AddRange([0, ednsVersion, 0, 0]);
            AddUInt16(message, 0);
        }

        return [.. message];
    }

    public static ushort Id(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message);

    public static ushort Flags(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message[2..]);

    public static int ResponseCode(ReadOnlySpan<byte> message) => Flags(message) & 0xF;

    /// <summary>QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT for <paramref name="section"/> 0 to 3.</summary>
    public static ushort Count(ReadOnlySpan<byte> message, int section) => BinaryPrimitives.ReadUInt16BigEndian(message[(4 + (2 * section))..]);

    public static async Task<byte[]> ExchangeUdpAsync(IPEndPoint server, byte[] query, CancellationToken cancellationToken)
    {
        using var udp = new UdpClient(server.AddressFamily);
        await udp.SendAsync(query, server, cancellationToken);
        return (await udp.ReceiveAsync(cancellationToken)).Buffer;
    }

    public static async Task SendUdpAsync(IPEndPoint server, byte[] datagram, CancellationToken cancellationToken)
    {
        using var udp = new UdpClient(server.AddressFamily);
        await udp.SendAsync(datagram, server, cancellationToken);
    }

    /// <summary>RFC 7766 framing: each message behind its 2-octet length.</summary>
    public static byte[] Frame(params byte[][] messages)
    {
        var framed = new List<byte>();
        foreach (var message in messages)
        {
            AddUInt16(framed, (ushort)message.Length);
            framed.AddRange(message);
        }

        return [.. framed];
    }

    /// <summary>One framed message, or null when the server closed the connection.</summary>
    public static async Task<byte[]?> ReadFramedAsync(Stream stream, CancellationToken cancellationToken)
    {
        var length = new byte[2];
        if (await stream.ReadAtLeastAsync(length, 2, throwOnEndOfStream: false, cancellationToken) < 2)
        {
            return null;
        }

        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(message, cancellationToken);
        return message;
    }

    private static void AddUInt16(List<byte> message, ushort value)
    {
        message.Add((byte)(value >> 8));
        message.Add((byte)value);
    }
}
