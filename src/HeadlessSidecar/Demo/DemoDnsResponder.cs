using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Demo;

/// <summary>Turns one request message into one response message; knows nothing of sockets.</summary>
internal sealed partial class DemoDnsResponder(ILogger logger)
{
    /// <summary>Without EDNS a UDP answer must fit in 512 octets (RFC 1035 §4.2.1).</summary>
    public const int MinUdpPayload = 512;

    /// <summary>DNS Flag Day 2020's size: the largest answer that crosses any path unfragmented; also what we advertise.</summary>
    public const int MaxUdpPayload = 1232;

    public const int MaxTcpMessage = ushort.MaxValue;

    private const ushort ResponseFlag = 0x8000;
    private const ushort AuthoritativeFlag = 0x0400;
    private const ushort TruncatedFlag = 0x0200;
    private const ushort RecursionDesiredFlag = 0x0100;
    private const ushort CheckingDisabledFlag = 0x0010;
    private const ushort ClassIn = 1;

    // Enough for a few hundred records; beyond it names are written whole, which is still correct.
    private const int CompressionTargets = 512;

    /// <summary>Writes the response to <paramref name="request"/> into <paramref name="response"/>.</summary>
    /// <param name="response">At least <see cref="MaxUdpPayload"/> octets for UDP, <see cref="MaxTcpMessage"/> for TCP.</param>
    /// <returns>The response length; 0 when the request deserves no answer.</returns>
    public int Respond(ReadOnlySpan<byte> request, Span<byte> response, DemoZone zone, bool overTcp)
    {
        ArgumentNullException.ThrowIfNull(zone);
        Span<byte> name = stackalloc byte[DemoDnsName.MaxWireLength];
        Span<ushort> targets = stackalloc ushort[CompressionTargets];
        var status = DemoDnsMessageReader.ReadQuery(request, name, out var query);
        switch (status)
        {
            case DemoDnsReadStatus.Drop:
                Log.Dropped(logger, Transport(overTcp), request.Length);
                return 0;
            case DemoDnsReadStatus.FormatError or DemoDnsReadStatus.NotImplemented:
            {
                // The question is suspect or meaningless: answer with the header alone, which any client can match by ID.
                var code = status == DemoDnsReadStatus.FormatError ? DemoDnsResponseCode.FormatError : DemoDnsResponseCode.NotImplemented;
                Log.Rejected(logger, Transport(overTcp), request.Length, code);
                var writer = new DemoDnsMessageWriter(response, targets);
                writer.WriteHeader(query.Id, Flags(query, code, authoritative: false, truncated: false), 0, 0, 0, 0);
                return writer.Length;
            }
        }

        var limit = overTcp ? MaxTcpMessage
            : query.HasEdns ? Math.Clamp((int)query.UdpPayloadSize, MinUdpPayload, MaxUdpPayload)
            : MinUdpPayload;
        response = response[..Math.Min(limit, response.Length)];
        var questionName = name[..query.NameLength];

        DemoDnsAnswer answer;
        Span<char> presentation = stackalloc char[DemoDnsName.MaxPresentationLength];
        var presentationLength = DemoDnsName.ToPresentation(questionName, presentation);
        if (status == DemoDnsReadStatus.BadVersion)
        {
            answer = new DemoDnsAnswer(DemoDnsResponseCode.BadVersion, authoritative: false, [], [], []);
        }
        else if (query.Class != ClassIn)
        {
            answer = DemoDnsAnswer.Refused;
        }
        else
        {
            answer = zone.Resolve(presentation[..presentationLength], query.Type);
        }

        var truncated = false;
        var length = Write(response, targets, query, questionName, answer, truncate: false);
        if (length < 0)
        {
            // Too big for this transport: TC and no records, so the client retries over TCP (RFC 7766)
            // instead of trusting a partial set of endpoints.
            truncated = true;
            length = Write(response, targets, query, questionName, answer, truncate: true);
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.Answered(logger, Transport(overTcp), presentation[..presentationLength].ToString(), query.Type, answer.ResponseCode, answer.Answers.Length, truncated);
        }

        return Math.Max(length, 0);
    }

    private static int Write(Span<byte> response, Span<ushort> targets, in DemoDnsQuery query, ReadOnlySpan<byte> questionName, DemoDnsAnswer answer, bool truncate)
    {
        var writer = new DemoDnsMessageWriter(response, targets);
        var answers = truncate ? 0 : answer.Answers.Length;
        var authority = truncate ? 0 : answer.Authority.Length;
        var additional = truncate ? 0 : answer.Additional.Length;
        writer.WriteHeader(
            query.Id,
            Flags(query, answer.ResponseCode, answer.Authoritative, truncate),
            questions: 1,
            (ushort)answers,
            (ushort)authority,
            (ushort)(additional + (query.HasEdns ? 1 : 0)));
        writer.WriteQuestion(questionName, query.Type, query.Class);
        if (!truncate)
        {
            foreach (var record in answer.Answers)
            {
                writer.WriteRecord(record);
            }

            foreach (var record in answer.Authority)
            {
                writer.WriteRecord(record);
            }

            foreach (var record in answer.Additional)
            {
                writer.WriteRecord(record);
            }
        }

        // RFC 6891 §7: a server answers an OPT with an OPT, including on truncated answers.
        if (query.HasEdns)
        {
            writer.WriteOpt(MaxUdpPayload, (byte)((int)answer.ResponseCode >> 4), query.DnssecOk);
        }

        return writer.Overflowed ? -1 : writer.Length;
    }

    /// <summary>QR, the opcode echoed, AA as the zone says, RD and CD copied; RA stays 0: we do not recurse.</summary>
    private static ushort Flags(in DemoDnsQuery query, DemoDnsResponseCode code, bool authoritative, bool truncated) =>
        (ushort)(ResponseFlag
            | (query.Opcode << 11)
            | (authoritative ? AuthoritativeFlag : 0)
            | (truncated ? TruncatedFlag : 0)
            | (query.RecursionDesired ? RecursionDesiredFlag : 0)
            | (query.CheckingDisabled ? CheckingDisabledFlag : 0)
            | ((int)code & 0xF));

    private static string Transport(bool overTcp) => overTcp ? "TCP" : "UDP";
}
