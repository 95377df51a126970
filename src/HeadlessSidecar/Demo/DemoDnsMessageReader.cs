using System.Buffers.Binary;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Demo;

/// <summary>
/// A strict reader of DNS queries. Every index is checked against the message: a hostile datagram
/// yields a status, never an exception and never an unbounded walk.
/// </summary>
internal static class DemoDnsMessageReader
{
    public const int HeaderLength = 12;

    private const ushort ResponseFlag = 0x8000;
    private const ushort RecursionDesiredFlag = 0x0100;
    private const ushort CheckingDisabledFlag = 0x0010;

    /// <summary>Parses a header, exactly one question and an optional OPT record in the additional section.</summary>
    /// <param name="nameBuffer">Receives the question name, uncompressed; at least <see cref="DemoDnsName.MaxWireLength"/> long.</param>
    /// <param name="query">Header fields are set for every status but <see cref="DemoDnsReadStatus.Drop"/>, so an error can still be addressed.</param>
    public static DemoDnsReadStatus ReadQuery(ReadOnlySpan<byte> message, Span<byte> nameBuffer, out DemoDnsQuery query)
    {
        query = default;
        if (message.Length < HeaderLength)
        {
            return DemoDnsReadStatus.Drop;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((flags & ResponseFlag) != 0)
        {
            return DemoDnsReadStatus.Drop;
        }

        query = new DemoDnsQuery
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(message),
            Opcode = (flags >> 11) & 0xF,
            RecursionDesired = (flags & RecursionDesiredFlag) != 0,
            CheckingDisabled = (flags & CheckingDisabledFlag) != 0,
        };
        if (query.Opcode != 0)
        {
            return DemoDnsReadStatus.NotImplemented;
        }

        var questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        var authorities = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        var additionals = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);

        // Nobody implements QDCOUNT > 1 (RFC 9619), and a query has no business carrying answers.
        if (questions != 1 || answers != 0 || authorities != 0)
        {
            return DemoDnsReadStatus.FormatError;
        }

        var offset = HeaderLength;
        if (!DnsWireName.TryRead(message, ref offset, nameBuffer, out var nameLength) || offset + 4 > message.Length)
        {
            return DemoDnsReadStatus.FormatError;
        }

        query = query with
        {
            NameLength = nameLength,
            Type = (DemoDnsType)BinaryPrimitives.ReadUInt16BigEndian(message[offset..]),
            Class = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]),
        };
        offset += 4;

        Span<byte> scratch = stackalloc byte[DemoDnsName.MaxWireLength];
        for (var i = 0; i < additionals; i++)
        {
            if (!DnsWireName.TryRead(message, ref offset, scratch, out var ownerLength) || offset + 10 > message.Length)
            {
                return DemoDnsReadStatus.FormatError;
            }

            var type = (DemoDnsType)BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var @class = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(offset + 4)..]);
            var dataLength = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            offset += 10;
            if (offset + dataLength > message.Length)
            {
                return DemoDnsReadStatus.FormatError;
            }

            if (type == DemoDnsType.Opt)
            {
                // RFC 6891 §6.1.1: one OPT at most, owned by the root.
                if (query.HasEdns || ownerLength != 1 || !AreOptionsWellFormed(message.Slice(offset, dataLength)))
                {
                    return DemoDnsReadStatus.FormatError;
                }

                query = query with
                {
                    HasEdns = true,
                    UdpPayloadSize = @class,
                    EdnsVersion = (byte)(ttl >> 16),
                    DnssecOk = (ttl & 0x8000) != 0,
                };
            }

            // Other additional records (a TSIG we cannot verify, say) are skipped, not trusted.
            offset += dataLength;
        }

        return query.HasEdns && query.EdnsVersion != 0 ? DemoDnsReadStatus.BadVersion : DemoDnsReadStatus.Query;
    }

    private static bool AreOptionsWellFormed(ReadOnlySpan<byte> options)
    {
        while (!options.IsEmpty)
        {
            if (options.Length < 4)
            {
                return false;
            }

            var optionLength = BinaryPrimitives.ReadUInt16BigEndian(options[2..]);
            if (options.Length < 4 + optionLength)
            {
                return false;
            }

            options = options[(4 + optionLength)..];
        }

        return true;
    }
}
