using System.Buffers.Binary;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Hosting;

/// <summary>Just enough HTTP/2 framing (RFC 9113 §4.1) to drive a GET by hand.</summary>
internal static class Http2Frames
{
    public const byte Data = 0x0;
    public const byte Headers = 0x1;
    public const byte RstStream = 0x3;
    public const byte Settings = 0x4;
    public const byte Ping = 0x6;
    public const byte GoAway = 0x7;
    public const byte WindowUpdate = 0x8;
    public const byte Continuation = 0x9;
    public const byte EndStream = 0x1;
    public const byte Ack = 0x1;
    public const byte EndHeaders = 0x4;

    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>The client preface and an empty SETTINGS frame: what opens every prior-knowledge h2c connection.</summary>
    public static byte[] ConnectionStart() => [.. Preface, .. Frame(Settings, 0, 0, [])];

    /// <summary>HPACK for GET http://{authority}{path}: a literal :path (never indexed) after the static-table fields.</summary>
    public static byte[] GetRequestHeaders(string authority, string path)
    {
        var name = Encoding.ASCII.GetBytes(authority);
        var target = Encoding.ASCII.GetBytes(path);
        return [0x82, 0x86, 0x04, (byte)target.Length, .. target, 0x41, (byte)name.Length, .. name];
    }

    public static byte[] RstStreamFrame(int streamId, int errorCode)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, errorCode);
        return Frame(RstStream, 0, streamId, payload);
    }

    public static byte[] Frame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    /// <summary>HPACK for GET http://{authority}/: static-table :method GET, :scheme http, :path / and a literal :authority.</summary>
    public static byte[] GetRequestHeaders(string authority)
    {
        var name = Encoding.ASCII.GetBytes(authority);
        return [0x82, 0x86, 0x84, 0x41, (byte)name.Length, .. name];
    }

    public static async Task<(byte Type, byte Flags, int StreamId, byte[] Payload)> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[9];
        await stream.ReadExactlyAsync(header, cancellationToken);
        var length = (header[0] << 16) | (header[1] << 8) | header[2];
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return (header[3], header[4], BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & 0x7fffffff, payload);
    }
}
