using System.Buffers.Binary;

namespace HeadlessSidecar.Discovery;

/// <summary>Writes a recursive query for one question with an EDNS OPT record (RFC 6891) advertising our UDP buffer.</summary>
internal static class DnsQueryWriter
{
    public const int HeaderLength = 12;
    private const ushort RecursionDesired = 0x0100;
    private const ushort OptType = 41;
    private const int OptLength = 11;

    public static int MaxLength => HeaderLength + DnsWireName.MaxLength + 4 + OptLength;

    public static int Write(DnsQuestion question, int udpPayloadSize, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(question);
        var length = HeaderLength + question.WireName.Length + 4 + OptLength;
        if (destination.Length < length)
        {
            throw new ArgumentException("The buffer is too small for the query.", nameof(destination));
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination, question.Id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], RecursionDesired);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], 1);
        var offset = HeaderLength;
        question.WireName.CopyTo(destination[offset..]);
        offset += question.WireName.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], question.TypeCode);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], DnsResponseReader.ClassIn);
        offset += 4;
        destination[offset] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 1)..], OptType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 3)..], (ushort)udpPayloadSize);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(offset + 5)..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 9)..], 0);
        return offset + OptLength;
    }
}
