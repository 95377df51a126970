using System.Buffers.Binary;

namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// MySQL packets (3-byte little-endian length, sequence id, payload) with a size bound and sequence checks.
/// The probe's exchanges are small: a payload above <see cref="MaxPayloadLength"/> is a protocol error.
/// </summary>
internal sealed class MySqlPacketChannel
{
    public const int MaxPayloadLength = 64 * 1024;

    private readonly Stream _stream;
    private readonly ProbeReader _reader;
    private byte _sequence;

    public MySqlPacketChannel(Stream stream)
    {
        _stream = stream;
        _reader = new ProbeReader(stream);
    }

    /// <summary>Starts a new command: the next packet written has sequence id 0.</summary>
    public void ResetSequence() => _sequence = 0;

    public async ValueTask<byte[]> ReadPacketAsync(CancellationToken cancellationToken)
    {
        var header = new byte[4];
        await _reader.ReadExactAsync(header, cancellationToken);
        var length = header[0] | (header[1] << 8) | (header[2] << 16);
        if (length > MaxPayloadLength)
        {
            throw new ProbeProtocolException($"MySQL packet of {length} bytes exceeds {MaxPayloadLength}");
        }

        if (header[3] != _sequence)
        {
            throw new ProbeProtocolException($"MySQL packet sequence {header[3]} where {_sequence} was expected");
        }

        _sequence++;
        var payload = new byte[length];
        await _reader.ReadExactAsync(payload, cancellationToken);
        return payload;
    }

    public async ValueTask WritePacketAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var packet = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(packet, payload.Length);
        packet[3] = _sequence++;
        payload.CopyTo(packet.AsMemory(4));
        await _stream.WriteAsync(packet, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }
}
