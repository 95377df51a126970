using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

/// <summary>One hand-built UDP query, to read the header bits of an answer exactly as the server sent them.</summary>
internal static class RawDnsQuery
{
    private const ushort TruncatedFlag = 0x0200;

    /// <summary>Sends <paramref name="name"/>/<paramref name="type"/> over UDP with an EDNS buffer of <paramref name="ednsBufferSize"/> (0: no EDNS).</summary>
    public static async Task<(bool Truncated, int AnswerCount, int Length)> UdpAsync(
        IPEndPoint server, string name, ushort type, ushort ednsBufferSize, CancellationToken cancellationToken)
    {
        var query = new List<byte> { 0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, (byte)(ednsBufferSize > 0 ? 1 : 0) };
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        query.AddRange([0x00, (byte)(type >> 8), (byte)type, 0x00, 0x01]);
        if (ednsBufferSize > 0)
        {
            // OPT pseudo-record: root owner, type 41, class = UDP payload size, TTL 0, no data.
            query.AddRange([0x00, 0x00, 41, (byte)(ednsBufferSize >> 8), (byte)ednsBufferSize, 0, 0, 0, 0, 0, 0]);
        }

        using var udp = new UdpClient(server.AddressFamily);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await udp.SendAsync(query.ToArray(), server, timeout.Token);
        var answer = (await udp.ReceiveAsync(timeout.Token)).Buffer;

        var flags = BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(2));
        return ((flags & TruncatedFlag) != 0, BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(6)), answer.Length);
    }
}
