namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// Reads BER elements from a buffer: single-byte tags and definite lengths only (what LDAP's BER
/// restrictions, RFC 4511 section 5.1, allow); anything else or anything past the end throws
/// <see cref="ProbeProtocolException"/>.
/// </summary>
internal ref struct BerReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public BerReader(ReadOnlySpan<byte> data) => _data = data;

    public readonly bool HasMore => _position < _data.Length;

    /// <summary>Reads one element's tag and contents.</summary>
    public byte ReadElement(out ReadOnlySpan<byte> contents)
    {
        if (!TryParseHeader(_data[_position..], out var tag, out var headerLength, out var length))
        {
            throw new ProbeProtocolException("BER element header truncated");
        }

        if (length > _data.Length - _position - headerLength)
        {
            throw new ProbeProtocolException("BER element runs past its enclosing element");
        }

        contents = _data.Slice(_position + headerLength, (int)length);
        _position += headerLength + (int)length;
        return tag;
    }

    public ReadOnlySpan<byte> ReadExpected(byte tag, string what)
    {
        var actual = ReadElement(out var contents);
        if (actual != tag)
        {
            throw new ProbeProtocolException($"BER {what}: tag 0x{actual:x2} where 0x{tag:x2} was expected");
        }

        return contents;
    }

    /// <summary>A non-negative INTEGER or ENUMERATED of at most 4 bytes.</summary>
    public int ReadSmallInteger(byte tag, string what)
    {
        var contents = ReadExpected(tag, what);
        if (contents.IsEmpty || contents.Length > 4 || (contents[0] & 0x80) != 0)
        {
            throw new ProbeProtocolException($"BER {what}: not a small non-negative integer");
        }

        var value = 0;
        foreach (var b in contents)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>
    /// Parses a tag and length from the start of <paramref name="data"/>; false when more bytes are needed.
    /// Throws for high tag numbers, indefinite lengths and lengths of more than 4 bytes.
    /// </summary>
    public static bool TryParseHeader(ReadOnlySpan<byte> data, out byte tag, out int headerLength, out long length)
    {
        tag = 0;
        headerLength = 0;
        length = 0;
        if (data.Length < 2)
        {
            return false;
        }

        tag = data[0];
        if ((tag & 0x1F) == 0x1F)
        {
            throw new ProbeProtocolException("BER high tag numbers are not used by LDAP");
        }

        var first = data[1];
        if (first < 0x80)
        {
            headerLength = 2;
            length = first;
            return true;
        }

        var octets = first & 0x7F;
        if (octets == 0)
        {
            throw new ProbeProtocolException("BER indefinite length is not allowed in LDAP");
        }

        if (octets > 4)
        {
            throw new ProbeProtocolException($"BER length of {octets} octets");
        }

        if (data.Length < 2 + octets)
        {
            return false;
        }

        for (var i = 0; i < octets; i++)
        {
            length = (length << 8) | data[2 + i];
        }

        headerLength = 2 + octets;
        return true;
    }
}
