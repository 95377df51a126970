using System.Formats.Asn1;
using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.Tests.Health.Probes;

public class LdapProbeTests
{
    // SearchResultEntry for the rootDSE: objectName "", attributes { namingContexts: dc=example,dc=org }.
    private static readonly byte[] Entry =
    [
        0x30, 0x30, 0x02, 0x01, 0x01,
        0x64, 0x2B, 0x04, 0x00,
        0x30, 0x27, 0x30, 0x25, 0x04, 0x0E, .. "namingContexts"u8,
        0x31, 0x13, 0x04, 0x11, .. "dc=example,dc=org"u8,
    ];

    private static byte[] Done(byte resultCode, string diagnostic = "") =>
    [
        0x30, (byte)(12 + diagnostic.Length), 0x02, 0x01, 0x01,
        0x65, (byte)(7 + diagnostic.Length), 0x0A, 0x01, resultCode, 0x04, 0x00, 0x04, (byte)diagnostic.Length, .. ScriptedServer.Ascii(diagnostic),
    ];

    [Fact]
    public void Entry_TestBytes_AreWellFormed()
    {
        var message = new AsnReader(Entry, AsnEncodingRules.BER).ReadSequence();
        Assert.Equal(1, (int)message.ReadInteger());
        var entry = message.ReadSequence(new Asn1Tag(TagClass.Application, 4, isConstructed: true));
        Assert.Empty(entry.ReadOctetString());
        var attribute = entry.ReadSequence().ReadSequence();
        Assert.Equal("namingContexts"u8.ToArray(), attribute.ReadOctetString());
        Assert.Equal("dc=example,dc=org"u8.ToArray(), attribute.ReadSetOf().ReadOctetString());
    }

    [Fact]
    public void SearchRequest_Encoding_IsRootDseSearch()
    {
        // Decoded with the framework's ASN.1 reader, independent of the probe's own.
        var message = new AsnReader(LdapProbe.SearchRequest, AsnEncodingRules.BER).ReadSequence();
        Assert.Equal(1, (int)message.ReadInteger());
        var search = message.ReadSequence(new Asn1Tag(TagClass.Application, 3, isConstructed: true));
        Assert.Empty(search.ReadOctetString());
        Assert.Equal(0, (int)search.ReadEnumeratedValue<SearchScope>());
        Assert.Equal(0, (int)search.ReadEnumeratedValue<SearchScope>());
        Assert.Equal(0, (int)search.ReadInteger());
        Assert.Equal(0, (int)search.ReadInteger());
        Assert.False(search.ReadBoolean());
        Assert.Equal("objectClass"u8.ToArray(), search.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 7)));
        var attributes = search.ReadSequence();
        Assert.Equal("namingContexts"u8.ToArray(), attributes.ReadOctetString());
        Assert.False(attributes.HasData);
        Assert.False(search.HasData);
        Assert.False(message.HasData);
    }

    [Fact]
    public async Task ProbeAsync_EntryThenSuccess_HealthyAndUnbinds()
    {
        var result = await ScriptedServer.ProbeAsync(LdapProbe.Instance, async stream =>
        {
            await ScriptedServer.Answer(LdapProbe.SearchRequest, [.. Entry, .. Done(0)])(stream);
            Assert.Equal(LdapProbe.UnbindRequest, await ScriptedServer.ReadExactlyAsync(stream, LdapProbe.UnbindRequest.Length));
        });

        Assert.Equal(ProbeResult.Pass(), result);
    }

    [Fact]
    public async Task ProbeAsync_ByteByByte_Healthy()
    {
        var result = await ScriptedServer.ProbeAsync(LdapProbe.Instance, async stream =>
        {
            await ScriptedServer.ReadExactlyAsync(stream, LdapProbe.SearchRequest.Length);
            foreach (var b in (byte[])[.. Entry, .. Done(0)])
            {
                await stream.WriteAsync(new[] { b });
                await stream.FlushAsync();
            }
        });

        Assert.Equal(ProbeResult.Pass(), result);
    }

    [Fact]
    public async Task ProbeAsync_Unavailable_UnhealthyWithCode()
    {
        var result = await ScriptedServer.ProbeAsync(LdapProbe.Instance, ScriptedServer.Answer(LdapProbe.SearchRequest, Done(52, "server is shutting down")));

        Assert.False(result.Healthy);
        Assert.Equal("LDAP: rootDSE search failed with resultCode 52 server is shutting down", result.Failure);
    }

    [Fact]
    public async Task ProbeAsync_NoticeOfDisconnection_Unhealthy()
    {
        byte[] notice =
        [
            0x30, 0x24, 0x02, 0x01, 0x00,
            0x78, 0x1F, 0x0A, 0x01, 0x34, 0x04, 0x00, 0x04, 0x00,
            0x8A, 0x16, .. "1.3.6.1.4.1.1466.20036"u8,
        ];
        var result = await ScriptedServer.ProbeAsync(LdapProbe.Instance, ScriptedServer.Answer(LdapProbe.SearchRequest, notice));

        Assert.False(result.Healthy);
        Assert.Contains("disconnects (resultCode 52)", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_ResetBeforeUnbind_StillHealthy()
    {
        var connection = new ReplayStream([.. Entry, .. Done(0)], failWritesAfter: 1);

        var result = await LdapProbe.Instance.ProbeAsync(connection, null, TestContext.Current.CancellationToken);

        Assert.Equal(ProbeResult.Pass(), result);
        Assert.Equal(LdapProbe.SearchRequest, connection.Written.ToArray());
    }

    [Fact]
    public async Task ProbeAsync_ResetOnSearch_Unhealthy()
    {
        var result = await LdapProbe.Instance.ProbeAsync(new ReplayStream([], failWritesAfter: 0), null, TestContext.Current.CancellationToken);

        Assert.Equal(ProbeResult.Fail("LDAP: Connection reset by peer"), result);
    }

    public static TheoryData<string, byte[]> HostileAnswers => new()
    {
        { "EOF", [] },
        { "indefinite length", [0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00] },
        { "five length octets", [0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00] },
        { "oversized message", [0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF] },
        { "high tag number", [0x1F, 0x81, 0x01, 0x00] },
        { "not a SEQUENCE", [0x04, 0x01, 0x00] },
        { "truncated", Done(0)[..8] },
        { "inner length past outer", [0x30, 0x05, 0x02, 0x09, 0x01, 0x65, 0x00] },
        { "wrong message id", [0x30, 0x0C, 0x02, 0x01, 0x07, 0x65, 0x07, 0x0A, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00] },
        { "negative message id", [0x30, 0x0C, 0x02, 0x01, 0x81, 0x65, 0x07, 0x0A, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00] },
        { "unexpected op", [0x30, 0x0C, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0A, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00] },
        { "result without diagnostic", [0x30, 0x0A, 0x02, 0x01, 0x01, 0x65, 0x05, 0x0A, 0x01, 0x00, 0x04, 0x00] },
        { "endless entries", [.. Enumerable.Repeat(Entry, LdapProbe.MaxMessages + 1).SelectMany(e => e)] },
        { "HTTP answer", "HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(HostileAnswers))]
    public async Task ProbeAsync_HostileAnswer_Unhealthy(string name, byte[] answer)
    {
        var result = await ScriptedServer.ProbeAsync(LdapProbe.Instance, ScriptedServer.Answer(LdapProbe.SearchRequest, answer));

        Assert.False(result.Healthy, name);
        Assert.StartsWith("LDAP: ", result.Failure, StringComparison.Ordinal);
    }

    public enum SearchScope
    {
        BaseObject,
    }
}
