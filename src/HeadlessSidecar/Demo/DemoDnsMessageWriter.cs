using System.Buffers.Binary;

namespace HeadlessSidecar.Demo;

/// <summary>
/// Writes one DNS message into a fixed buffer, compressing names (RFC 1035 §4.1.4). Running out of room
/// is not an error here: <see cref="Overflowed"/> turns true, later writes are ignored, and the caller
/// decides between truncation (UDP) and failure.
/// </summary>
internal ref struct DemoDnsMessageWriter
{
    /// <summary>A compression pointer has 14 bits of offset.</summary>
    private const int MaxPointerOffset = 0x3FFF;

    private readonly Span<byte> _buffer;

    // Offsets of every label sequence written so far: the only places a pointer may go, and all earlier
    // than any pointer to them, so the names we write can never loop.
    private readonly Span<ushort> _targets;
    private int _targetCount;

    public DemoDnsMessageWriter(Span<byte> buffer, Span<ushort> compressionTargets)
    {
        _buffer = buffer;
        _targets = compressionTargets;
    }

    public int Length { get; private set; }

    public bool Overflowed { get; private set; }

    public void WriteHeader(ushort id, ushort flags, ushort questions, ushort answers, ushort authorities, ushort additionals)
    {
        WriteUInt16(id);
        WriteUInt16(flags);
        WriteUInt16(questions);
        WriteUInt16(answers);
        WriteUInt16(authorities);
        WriteUInt16(additionals);
    }

    /// <summary>Echoes the question as it came, case included (resolvers check it, some use 0x20 randomisation).</summary>
    public void WriteQuestion(scoped ReadOnlySpan<byte> wireName, DemoDnsType type, ushort @class)
    {
        WriteName(wireName, compress: true);
        WriteUInt16((ushort)type);
        WriteUInt16(@class);
    }

    public void WriteRecord(DemoDnsRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        WriteName(record.Name, compress: true);
        WriteUInt16((ushort)record.Type);
        WriteUInt16(1);
        WriteUInt32(record.Ttl);
        var lengthAt = Length;
        WriteUInt16(0);
        var dataAt = Length;
        switch (record.Type)
        {
            case DemoDnsType.A or DemoDnsType.Aaaa:
                WriteBytes(record.AddressBytes);
                break;
            case DemoDnsType.Ptr:
                WriteName(record.Target, compress: true);
                break;
            case DemoDnsType.Srv:
                WriteUInt16(record.Priority);
                WriteUInt16(record.Weight);
                WriteUInt16(record.Port);

                // RFC 2782: the SRV target is never compressed; later names may still point into it.
                WriteName(record.Target, compress: false);
                break;
            case DemoDnsType.Soa:
                WriteName(record.Target, compress: true);
                WriteName(record.Mailbox, compress: true);
                WriteUInt32(record.Serial);
                WriteUInt32(record.Refresh);
                WriteUInt32(record.Retry);
                WriteUInt32(record.Expire);
                WriteUInt32(record.Minimum);
                break;
            default:
                throw new InvalidOperationException($"No RDATA encoding for {record.Type}.");
        }

        if (!Overflowed)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[lengthAt..], (ushort)(Length - dataAt));
        }
    }

    /// <summary>The EDNS pseudo-record (RFC 6891 §6.1.2): payload size in CLASS, extended RCODE, version 0 and DO in TTL.</summary>
    public void WriteOpt(ushort udpPayloadSize, byte extendedResponseCode, bool dnssecOk)
    {
        WriteByte(0);
        WriteUInt16((ushort)DemoDnsType.Opt);
        WriteUInt16(udpPayloadSize);
        WriteUInt32(((uint)extendedResponseCode << 24) | (dnssecOk ? 0x8000u : 0u));
        WriteUInt16(0);
    }

    private void WriteName(string name, bool compress)
    {
        Span<byte> wire = stackalloc byte[DemoDnsName.MaxWireLength];
        if (!DemoDnsName.TryToWire(name, wire, out var length))
        {
            throw new InvalidOperationException($"'{name}' is not a valid DNS name.");
        }

        WriteName(wire[..length], compress);
    }

    private void WriteName(scoped ReadOnlySpan<byte> wire, bool compress)
    {
        var position = 0;
        while (!Overflowed && wire[position] != 0)
        {
            var suffix = wire[position..];
            if (compress && TryFindTarget(suffix, out var target))
            {
                WriteUInt16((ushort)(0xC000 | target));
                return;
            }

            if (Length <= MaxPointerOffset && _targetCount < _targets.Length)
            {
                _targets[_targetCount++] = (ushort)Length;
            }

            var label = suffix[..(1 + suffix[0])];
            WriteBytes(label);
            position += label.Length;
        }

        WriteByte(0);
    }

    private readonly bool TryFindTarget(scoped ReadOnlySpan<byte> suffix, out ushort target)
    {
        foreach (var candidate in _targets[.._targetCount])
        {
            if (NameAtEquals(candidate, suffix))
            {
                target = candidate;
                return true;
            }
        }

        target = 0;
        return false;
    }

    /// <summary>Compares, ignoring ASCII case, a name already in the buffer with an uncompressed one.</summary>
    private readonly bool NameAtEquals(int position, scoped ReadOnlySpan<byte> name)
    {
        var index = 0;
        while (true)
        {
            var octet = _buffer[position];
            if ((octet & 0xC0) == 0xC0)
            {
                position = ((octet & 0x3F) << 8) | _buffer[position + 1];
                continue;
            }

            if (octet != name[index])
            {
                return false;
            }

            if (octet == 0)
            {
                return true;
            }

            for (var i = 1; i <= octet; i++)
            {
                if (ToLowerAscii(_buffer[position + i]) != ToLowerAscii(name[index + i]))
                {
                    return false;
                }
            }

            position += octet + 1;
            index += octet + 1;
        }
    }

    private static byte ToLowerAscii(byte octet) => octet is >= (byte)'A' and <= (byte)'Z' ? (byte)(octet | 0x20) : octet;

    private void WriteByte(byte value)
    {
        if (Reserve(1))
        {
            _buffer[Length++] = value;
        }
    }

    private void WriteUInt16(ushort value)
    {
        if (Reserve(2))
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[Length..], value);
            Length += 2;
        }
    }

    private void WriteUInt32(uint value)
    {
        if (Reserve(4))
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer[Length..], value);
            Length += 4;
        }
    }

    private void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        if (Reserve(value.Length))
        {
            value.CopyTo(_buffer[Length..]);
            Length += value.Length;
        }
    }

    private bool Reserve(int count)
    {
        if (Overflowed || Length + count > _buffer.Length)
        {
            Overflowed = true;
            return false;
        }

        return true;
    }
}
