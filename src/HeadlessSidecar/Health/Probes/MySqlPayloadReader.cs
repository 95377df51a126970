using System.Buffers.Binary;
using System.Text;

namespace HeadlessSidecar.Health.Probes;

/// <summary>Reads the fields of one MySQL packet payload; running past its end is a protocol error.</summary>
internal ref struct MySqlPayloadReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private int _position;

    public MySqlPayloadReader(ReadOnlySpan<byte> payload) => _payload = payload;

    public readonly int Remaining => _payload.Length - _position;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    public ReadOnlySpan<byte> ReadRest() => Take(Remaining);

    /// <summary>A NUL-terminated string; a missing NUL is a protocol error.</summary>
    public string ReadNullTerminatedString()
    {
        var end = _payload[_position..].IndexOf((byte)0);
        if (end < 0)
        {
            throw new ProbeProtocolException("MySQL string without its NUL terminator");
        }

        var text = Encoding.UTF8.GetString(_payload.Slice(_position, end));
        _position += end + 1;
        return text;
    }

    /// <summary>A length-encoded integer; <see langword="null"/> for the NULL marker 0xFB.</summary>
    public ulong? ReadLengthEncodedInteger()
    {
        var first = ReadByte();
        return first switch
        {
            < 0xFB => first,
            0xFB => null,
            0xFC => BinaryPrimitives.ReadUInt16LittleEndian(Take(2)),
            0xFD => ReadUInt24(),
            0xFE => BinaryPrimitives.ReadUInt64LittleEndian(Take(8)),
            _ => throw new ProbeProtocolException("MySQL length-encoded integer starts with 0xFF"),
        };
    }

    /// <summary>A length-encoded string; <see langword="null"/> for SQL NULL.</summary>
    public string? ReadLengthEncodedString()
    {
        var length = ReadLengthEncodedInteger();
        if (length is null)
        {
            return null;
        }

        if (length > (ulong)Remaining)
        {
            throw new ProbeProtocolException("MySQL string runs past the end of its packet");
        }

        return Encoding.UTF8.GetString(Take((int)length.Value));
    }

    private ulong ReadUInt24()
    {
        var bytes = Take(3);
        return (ulong)(bytes[0] | (bytes[1] << 8) | (bytes[2] << 16));
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new ProbeProtocolException("MySQL packet shorter than its fields");
        }

        var span = _payload.Slice(_position, count);
        _position += count;
        return span;
    }
}
