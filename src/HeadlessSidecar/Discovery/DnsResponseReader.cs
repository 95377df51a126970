using System.Buffers.Binary;
using System.Net;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// Reads a DNS response as untrusted input. It counts only as the answer to <see cref="DnsQuestion"/> if it is a
/// response (QR=1, opcode QUERY) with the question's ID and exactly its question (name without regard to case, type,
/// class IN); then every name in it must be well-formed (<see cref="DnsWireName"/>), the names discovery uses must be
/// cluster host names, and it may hold at most <c>maxRecords</c> records, or the whole answer is refused. Answer
/// records of the asked type owned by another name are ignored (counted out of domain). Never throws for any input.
/// </summary>
internal static class DnsResponseReader
{
    public const ushort ClassIn = 1;

    /// <summary>The longest TTL believed: RFC 8767's suggested cap. Beyond it (or with the top bit set, which RFC 2181
    /// §8 says to read as 0) a TTL means nothing sensible, and refresh is clamped to <c>Dns:MaxRefresh</c> anyway.</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(7);

    private const ushort ResponseFlag = 0x8000;
    private const ushort TruncatedFlag = 0x0200;
    private const int OpcodeMask = 0x7800;
    private const ushort TypeA = 1;
    private const ushort TypeSoa = 6;
    private const ushort TypePtr = 12;
    private const ushort TypeAaaa = 28;
    private const ushort TypeSrv = 33;

    /// <param name="message">The response as received (over TCP: without its length prefix).</param>
    /// <param name="question">The question it must answer.</param>
    /// <param name="maxRecords"><c>Dns:MaxAnswerRecords</c>: records in all three sections together.</param>
    /// <param name="result">For <see cref="DnsReadOutcome.Answer"/>: the answer, or an error that says why it was refused.</param>
    public static DnsReadOutcome Read(ReadOnlySpan<byte> message, DnsQuestion question, int maxRecords, out DnsQueryResult result)
    {
        ArgumentNullException.ThrowIfNull(question);
        result = DnsQueryResult.Failed("mismatched answer");
        if (message.Length < DnsQueryWriter.HeaderLength)
        {
            return DnsReadOutcome.Mismatched;
        }
        var id = BinaryPrimitives.ReadUInt16BigEndian(message);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        var questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var responseCode = flags & 0xF;
        if (id != question.Id || (flags & ResponseFlag) == 0 || (flags & OpcodeMask) != 0 || questions > 1)
        {
            return DnsReadOutcome.Mismatched;
        }

        var offset = DnsQueryWriter.HeaderLength;
        Span<byte> name = stackalloc byte[DnsWireName.MaxLength];
        if (questions == 1)
        {
            if (!DnsWireName.TryRead(message, ref offset, name, out var length) || offset + 4 > message.Length
                || !DnsWireName.EqualsIgnoreCase(name[..length], question.WireName)
                || BinaryPrimitives.ReadUInt16BigEndian(message[offset..]) != question.TypeCode
                || BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]) != ClassIn)
            {
                return DnsReadOutcome.Mismatched;
            }
            offset += 4;
        }
        else if (responseCode is (int)DnsRcode.NoError or (int)DnsRcode.NotExistentDomain)
        {
            // Only an error (FORMERR to our EDNS, say) may come without the question: it never makes a pod.
            return DnsReadOutcome.Mismatched;
        }

        if ((flags & TruncatedFlag) != 0)
        {
            return DnsReadOutcome.Truncated;
        }

        var answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        var authorities = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        var additionals = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        var records = answers + authorities + additionals;
        if (records > maxRecords)
        {
            result = DnsQueryResult.Rejected(DnsRejectReason.RecordLimit, $"{records} records, more than Dns:MaxAnswerRecords ({maxRecords})");
            return DnsReadOutcome.Answer;
        }

        switch ((DnsRcode)responseCode)
        {
            case DnsRcode.NoError or DnsRcode.NotExistentDomain:
                break;
            case DnsRcode.Refused or DnsRcode.NotImplemented:
                result = DnsQueryResult.Refused(DescribeResponseCode((DnsRcode)responseCode));
                return DnsReadOutcome.Answer;
            default:
                result = DnsQueryResult.Failed(DescribeResponseCode((DnsRcode)responseCode));
                return DnsReadOutcome.Answer;
        }

        var reader = new RecordReader(question);
        for (var i = 0; i < records; i++)
        {
            var section = i < answers ? Section.Answer : i < answers + authorities ? Section.Authority : Section.Additional;
            var problem = reader.ReadRecord(message, ref offset, section);
            if (problem is not null)
            {
                result = problem;
                return DnsReadOutcome.Answer;
            }
        }
        result = reader.ToResult(responseCode == (int)DnsRcode.NotExistentDomain);
        return DnsReadOutcome.Answer;
    }

    public static string DescribeResponseCode(DnsRcode code) => code switch
    {
        DnsRcode.ServerFailure => "SERVFAIL",
        DnsRcode.Refused => "REFUSED",
        DnsRcode.FormatError => "FORMERR",
        DnsRcode.NotImplemented => "NOTIMP",
        DnsRcode.NotAuthorized => "NOTAUTH",
        _ => $"rcode {(int)code}",
    };

    private static TimeSpan Ttl(uint seconds) =>
        seconds > int.MaxValue ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(seconds, (uint)MaxTtl.TotalSeconds));

    private enum Section
    {
        Answer,
        Authority,
        Additional,
    }

    /// <summary>Collects the records of one message; a record that makes the whole answer unbelievable ends it.</summary>
    private sealed class RecordReader(DnsQuestion question)
    {
        private readonly List<DnsSrvRecord> _srv = [];
        private readonly List<DnsAddressRecord> _addresses = [];
        private readonly List<DnsPtrRecord> _ptr = [];
        private readonly List<DnsAddressRecord> _additional = [];
        private TimeSpan? _negativeTtl;
        private int _otherOwners;

        public DnsQueryResult? ReadRecord(ReadOnlySpan<byte> message, ref int offset, Section section)
        {
            Span<byte> owner = stackalloc byte[DnsWireName.MaxLength];
            if (!DnsWireName.TryRead(message, ref offset, owner, out var ownerLength))
            {
                return Malformed("a record's owner name");
            }
            if (offset + 10 > message.Length)
            {
                return Unparseable();
            }
            var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var @class = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            var ttl = Ttl(BinaryPrimitives.ReadUInt32BigEndian(message[(offset + 4)..]));
            var dataLength = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            offset += 10;
            if (offset + dataLength > message.Length)
            {
                return Unparseable();
            }
            var dataStart = offset;
            var dataEnd = offset + dataLength;
            offset = dataEnd;
            var data = message.Slice(dataStart, dataLength);
            owner = owner[..ownerLength];

            if (@class != ClassIn)
            {
                // OPT (its class is a buffer size) and anything outside IN: not ours to read.
                return null;
            }
            switch (section)
            {
                case Section.Answer when type == question.TypeCode:
                    if (!DnsWireName.EqualsIgnoreCase(owner, question.WireName))
                    {
                        _otherOwners++;
                        return null;
                    }
                    return ReadAnswer(message, dataStart, dataEnd, data, type, ttl);
                case Section.Authority when type == TypeSoa:
                    return ReadSoa(message, dataStart, dataEnd, ttl);
                case Section.Additional when question.Type == DnsQueryType.Srv && type is TypeA or TypeAaaa:
                    if (DnsWireName.ToHostName(owner) is not { } glueName)
                    {
                        return Malformed("an additional record's owner name");
                    }
                    if (Address(data, type) is not { } glue)
                    {
                        return Unparseable();
                    }
                    _additional.Add(new DnsAddressRecord(glueName, glue, ttl));
                    return null;
                default:
                    return null;
            }
        }

        public DnsQueryResult ToResult(bool nxDomain)
        {
            var rejections = DnsRejections.Of(DnsRejectReason.OutOfDomain, _otherOwners);
            if (nxDomain)
            {
                return DnsQueryResult.NxDomain(_negativeTtl).WithRejections(rejections);
            }
            if (_srv.Count + _addresses.Count + _ptr.Count > 0)
            {
                return DnsQueryResult.Success(_srv, _addresses, _ptr, _additional).WithRejections(rejections);
            }
            // Records of the asked type, all for other names: a poisoned answer, not a Service without pods.
            return _otherOwners > 0
                ? DnsQueryResult.Rejected(DnsRejectReason.OutOfDomain, $"every {question.Type} record names another owner", _otherOwners)
                : DnsQueryResult.NoData(_negativeTtl);
        }

        private DnsQueryResult? ReadAnswer(ReadOnlySpan<byte> message, int dataStart, int dataEnd, ReadOnlySpan<byte> data, ushort type, TimeSpan ttl)
        {
            switch (type)
            {
                case TypeA or TypeAaaa:
                    if (Address(data, type) is not { } address)
                    {
                        return Unparseable();
                    }
                    _addresses.Add(new DnsAddressRecord(question.Name, address, ttl));
                    return null;
                case TypeSrv:
                    if (data.Length < 7)
                    {
                        return Unparseable();
                    }
                    var priority = BinaryPrimitives.ReadUInt16BigEndian(data);
                    var weight = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
                    var port = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
                    var targetAt = dataStart + 6;
                    if (ReadDataName(message, ref targetAt, dataEnd, "an SRV target", out var target) is { } srvProblem)
                    {
                        return srvProblem;
                    }
                    _srv.Add(new DnsSrvRecord(question.Name, priority, weight, port, target!, ttl));
                    return null;
                case TypePtr:
                    var nameAt = dataStart;
                    if (ReadDataName(message, ref nameAt, dataEnd, "a PTR name", out var ptr) is { } ptrProblem)
                    {
                        return ptrProblem;
                    }
                    _ptr.Add(new DnsPtrRecord(question.Name, ptr!, ttl));
                    return null;
                default:
                    return null;
            }
        }

        private DnsQueryResult? ReadSoa(ReadOnlySpan<byte> message, int dataStart, int dataEnd, TimeSpan ttl)
        {
            var at = dataStart;
            // MNAME and RNAME: never used, but a malformed name is a malformed message.
            if (!DnsWireName.TrySkip(message[..dataEnd], ref at) || !DnsWireName.TrySkip(message[..dataEnd], ref at))
            {
                return Malformed("an SOA name");
            }
            if (dataEnd - at != 20)
            {
                return Unparseable();
            }
            var minimum = Ttl(BinaryPrimitives.ReadUInt32BigEndian(message[(at + 16)..]));
            var negative = minimum < ttl ? minimum : ttl;
            _negativeTtl = _negativeTtl is { } current && current <= negative ? current : negative;
            return null;
        }

        /// <summary>A name inside RDATA, which must end exactly where the RDATA does.</summary>
        private static DnsQueryResult? ReadDataName(ReadOnlySpan<byte> message, ref int offset, int dataEnd, string what, out string? name)
        {
            name = null;
            Span<byte> wire = stackalloc byte[DnsWireName.MaxLength];
            // Pointers may reach back before the RDATA, but the labels read at the offset must stay inside it.
            if (!DnsWireName.TryRead(message[..dataEnd], ref offset, wire, out var length))
            {
                return Malformed(what);
            }
            if (offset != dataEnd)
            {
                return Unparseable();
            }
            name = DnsWireName.ToHostName(wire[..length]);
            return name is null ? Malformed(what) : null;
        }

        private static IPAddress? Address(ReadOnlySpan<byte> data, ushort type) =>
            (type == TypeA && data.Length == 4) || (type == TypeAaaa && data.Length == 16) ? new IPAddress(data) : null;

        private static DnsQueryResult Malformed(string what) =>
            DnsQueryResult.Rejected(DnsRejectReason.MalformedName, $"malformed name in {what}");

        private static DnsQueryResult Unparseable() =>
            DnsQueryResult.Rejected(DnsRejectReason.MismatchedAnswer, "the answer does not parse");
    }
}
