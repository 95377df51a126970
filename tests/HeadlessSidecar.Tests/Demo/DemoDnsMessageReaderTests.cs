using HeadlessSidecar.Demo;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Demo;

public sealed class DemoDnsMessageReaderTests
{
    [Fact]
    public void TryReadName_BackwardPointer_Decompresses()
    {
        // "cluster.local" at 12, then "svc" + pointer to it at 27.
        byte[] message = [.. new byte[12], 7, .. "cluster"u8, 5, .. "local"u8, 0, 3, .. "svc"u8, 0xC0, 12, 0xFF];
        var offset = 27;
        var name = new byte[DemoDnsName.MaxWireLength];

        Assert.True(DnsWireName.TryRead(message, ref offset, name, out var length));

        Assert.Equal(33, offset);
        Assert.Equal([3, .. "svc"u8, 7, .. "cluster"u8, 5, .. "local"u8, 0], name[..length]);
    }

    [Fact]
    public void TryReadName_PointerBackIntoItsOwnTarget_IsRejected()
    {
        // At 20: "b" then a pointer to 22, that is to itself by way of a backward jump from 24: a loop
        // that "pointers go backward" alone would not catch.
        byte[] message = [.. new byte[20], 1, (byte)'b', 0xC0, 20, 0xC0, 22];
        var offset = 24;

        Assert.False(DnsWireName.TryRead(message, ref offset, new byte[DemoDnsName.MaxWireLength], out _));
    }

    [Fact]
    public void TryReadName_LongerThan255_IsRejected()
    {
        var message = new List<byte>();
        for (var i = 0; i < 5; i++)
        {
            message.Add(63);
            message.AddRange(Enumerable.Repeat((byte)'a', 63));
        }

        message.Add(0);
        var offset = 0;

        Assert.False(DnsWireName.TryRead([.. message], ref offset, new byte[DemoDnsName.MaxWireLength], out _));
    }

    [Fact]
    public void ReadQuery_Response_IsDropped()
    {
        var query = RawDns.Query(1, "a.cluster.local", RawDns.TypeA);
        query[2] |= 0x80;

        Assert.Equal(DemoDnsReadStatus.Drop, DemoDnsMessageReader.ReadQuery(query, new byte[DemoDnsName.MaxWireLength], out _));
    }

    [Fact]
    public void ReadQuery_Notify_IsNotImplemented()
    {
        var query = RawDns.Query(1, "a.cluster.local", RawDns.TypeA);
        query[2] |= 4 << 3;

        Assert.Equal(DemoDnsReadStatus.NotImplemented, DemoDnsMessageReader.ReadQuery(query, new byte[DemoDnsName.MaxWireLength], out var parsed));
        Assert.Equal(4, parsed.Opcode);
    }

    [Fact]
    public void ReadQuery_WithOpt_ReadsPayloadSize()
    {
        var query = RawDns.Query(0x1234, "Web-0.cluster.local", RawDns.TypeSrv, ednsPayload: 4096);
        var name = new byte[DemoDnsName.MaxWireLength];

        Assert.Equal(DemoDnsReadStatus.Query, DemoDnsMessageReader.ReadQuery(query, name, out var parsed));

        Assert.Equal((0x1234, DemoDnsType.Srv, (ushort)1, true, (ushort)4096), (parsed.Id, parsed.Type, parsed.Class, parsed.HasEdns, parsed.UdpPayloadSize));
        var presentation = new char[DemoDnsName.MaxPresentationLength];
        Assert.Equal("Web-0.cluster.local", new string(presentation, 0, DemoDnsName.ToPresentation(name.AsSpan(0, parsed.NameLength), presentation)));
    }

    [Fact]
    public void ToPresentation_DotInsideLabel_IsEscaped()
    {
        byte[] wire = [3, (byte)'a', (byte)'.', (byte)'b', 5, .. "local"u8, 0];
        var presentation = new char[DemoDnsName.MaxPresentationLength];

        Assert.Equal(@"a\046b.local", new string(presentation, 0, DemoDnsName.ToPresentation(wire, presentation)));
    }
}
