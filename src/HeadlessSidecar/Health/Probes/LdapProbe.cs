using System.Text;

namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// LDAP: an anonymous rootDSE search (base "", scope base, filter <c>(objectClass=*)</c>, attribute
/// <c>namingContexts</c>); the server's SearchResultDone with resultCode 0 (success) is healthy. The search
/// is followed by an UnbindRequest so the server closes cleanly.
/// </summary>
internal sealed class LdapProbe : IProtocolProbe
{
    public const int MaxMessageBytes = 64 * 1024;
    public const int MaxMessages = 16;

    private const string Protocol = "LDAP";
    private const byte Sequence = 0x30;
    private const byte Integer = 0x02;
    private const byte Enumerated = 0x0A;
    private const byte OctetString = 0x04;
    private const byte SearchResultEntry = 0x64;
    private const byte SearchResultDone = 0x65;
    private const byte SearchResultReference = 0x73;
    private const byte ExtendedResponse = 0x78;
    private const int SearchMessageId = 1;

    /// <summary>LDAPMessage { messageID 1, SearchRequest { "", base, never, 0, 0, FALSE, present objectClass, [namingContexts] } }.</summary>
    internal static readonly byte[] SearchRequest =
    [
        0x30, 0x35,
            0x02, 0x01, SearchMessageId,
            0x63, 0x30,
                0x04, 0x00,                                       // baseObject ""
                0x0A, 0x01, 0x00,                                 // scope baseObject
                0x0A, 0x01, 0x00,                                 // derefAliases neverDerefAliases
                0x02, 0x01, 0x00,                                 // sizeLimit 0
                0x02, 0x01, 0x00,                                 // timeLimit 0
                0x01, 0x01, 0x00,                                 // typesOnly FALSE
                0x87, 0x0B, .. "objectClass"u8,                   // filter: present objectClass
                0x30, 0x10, 0x04, 0x0E, .. "namingContexts"u8,   // attributes
    ];

    /// <summary>LDAPMessage { messageID 2, UnbindRequest }.</summary>
    internal static readonly byte[] UnbindRequest = [0x30, 0x05, 0x02, 0x01, 0x02, 0x42, 0x00];

    public static LdapProbe Instance { get; } = new();

    public ValueTask<ProbeResult> ProbeAsync(Stream connection, ProbeCredentials? credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ProbeExchange.RunAsync(Protocol, ct => ExchangeAsync(connection, ct), cancellationToken);
    }

    private static async ValueTask<ProbeResult> ExchangeAsync(Stream connection, CancellationToken cancellationToken)
    {
        await connection.WriteAsync(SearchRequest, cancellationToken);
        await connection.FlushAsync(cancellationToken);

        var reader = new ProbeReader(connection);
        for (var i = 0; i < MaxMessages; i++)
        {
            var message = await ReadMessageAsync(reader, cancellationToken);
            if (Interpret(message) is { } result)
            {
                await ProbeExchange.SendFarewellAsync(connection, UnbindRequest, cancellationToken);
                return result;
            }
        }

        throw new ProbeProtocolException($"no SearchResultDone within {MaxMessages} messages");
    }

    /// <summary>Reads one whole LDAPMessage (its SEQUENCE contents), bounded by <see cref="MaxMessageBytes"/>.</summary>
    private static async ValueTask<byte[]> ReadMessageAsync(ProbeReader reader, CancellationToken cancellationToken)
    {
        var header = new byte[6];
        var headerLength = 0;
        byte tag;
        int contentsOffset;
        long length;
        do
        {
            header[headerLength++] = await reader.ReadByteAsync(cancellationToken);
        }
        while (!BerReader.TryParseHeader(header.AsSpan(0, headerLength), out tag, out contentsOffset, out length));

        if (tag != Sequence)
        {
            throw new ProbeProtocolException($"LDAPMessage tag 0x{tag:x2} where a SEQUENCE was expected");
        }

        if (length > MaxMessageBytes)
        {
            throw new ProbeProtocolException($"LDAPMessage of {length} bytes exceeds {MaxMessageBytes}");
        }

        var contents = new byte[length];
        await reader.ReadExactAsync(contents, cancellationToken);
        return contents;
    }

    /// <summary>The probe's outcome when <paramref name="message"/> ends the search, else null (an entry or a reference).</summary>
    private static ProbeResult? Interpret(ReadOnlySpan<byte> message)
    {
        var reader = new BerReader(message);
        var messageId = reader.ReadSmallInteger(Integer, "messageID");
        var op = reader.ReadElement(out var contents);
        if (messageId == 0 && op == ExtendedResponse)
        {
            // Notice of Disconnection (RFC 4511 section 4.4.1): the server is going away.
            var (code, diagnostic) = ReadResult(contents);
            return ProbeResult.Fail($"{Protocol}: server disconnects (resultCode {code}) {diagnostic}".TrimEnd());
        }

        if (messageId != SearchMessageId)
        {
            throw new ProbeProtocolException($"answer to message {messageId}, not to the search");
        }

        switch (op)
        {
            case SearchResultEntry or SearchResultReference:
                return null;
            case SearchResultDone:
                {
                    var (code, diagnostic) = ReadResult(contents);
                    return code == 0
                        ? ProbeResult.Pass()
                        : ProbeResult.Fail($"{Protocol}: rootDSE search failed with resultCode {code} {diagnostic}".TrimEnd());
                }

            default:
                throw new ProbeProtocolException($"unexpected protocolOp 0x{op:x2}");
        }
    }

    /// <summary>An LDAPResult's resultCode and diagnosticMessage.</summary>
    private static (int Code, string Diagnostic) ReadResult(ReadOnlySpan<byte> contents)
    {
        var reader = new BerReader(contents);
        var code = reader.ReadSmallInteger(Enumerated, "resultCode");
        _ = reader.ReadExpected(OctetString, "matchedDN");
        var diagnostic = reader.ReadExpected(OctetString, "diagnosticMessage");
        var text = Encoding.UTF8.GetString(diagnostic[..Math.Min(diagnostic.Length, 200)]);
        return (code, text);
    }
}
