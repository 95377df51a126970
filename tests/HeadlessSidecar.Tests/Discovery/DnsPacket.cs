using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace HeadlessSidecar.Tests.Discovery;

/// <summary>
/// Crafts DNS responses byte by byte, hostile ones included: labels of any length, any counts, any flags. Names are
/// written uncompressed, label by label as given, without checks. Also used by the integration tests' fake server.
/// </summary>
internal sealed class DnsPacket
{
    public const ushort A = 1;
    public const ushort Soa = 6;
    public const ushort Ptr = 12;
    public const ushort Aaaa = 28;
    public const ushort Srv = 33;

    /// <summary>QR, RD and RA: a recursive server's NOERROR answer.</summary>
    public ushort Flags { get; set; } = 0x8180;
    public ushort Id { get; set; }
    public List<byte[]> Questions { get; } = [];
    public List<byte[]> Answers { get; } = [];
    public List<byte[]> Authorities { get; } = [];
    public List<byte[]> Additionals { get; } = [];

    /// <summary>When set, the header claims these counts whatever the sections hold.</summary>
    public (ushort Questions, ushort Answers, ushort Authorities, ushort Additionals)? Counts { get; set; }

    public static DnsPacket AnswerTo(ushort id, string name, ushort type) => new() { Id = id, Questions = { Question(name, type) } };

    public DnsPacket WithRcode(int rcode)
    {
        Flags = (ushort)((Flags & ~0xF) | rcode);
        return this;
    }

    public static byte[] Name(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        return [.. bytes];
    }

    public static byte[] Question(string name, ushort type, ushort @class = 1) => [.. Name(name), .. U16(type), .. U16(@class)];

    public static byte[] Record(byte[] owner, ushort type, uint ttl, byte[] data, ushort @class = 1) =>
        [.. owner, .. U16(type), .. U16(@class), .. U32(ttl), .. U16((ushort)data.Length), .. data];

    public static byte[] SrvRecord(string owner, string target, ushort port = 80, uint ttl = 30, ushort priority = 0, ushort weight = 33) =>
        Record(Name(owner), Srv, ttl, [.. U16(priority), .. U16(weight), .. U16(port), .. Name(target)]);

    public static byte[] AddressRecord(string owner, string address, uint ttl = 30)
    {
        var ip = IPAddress.Parse(address);
        return Record(Name(owner), ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? A : Aaaa, ttl, ip.GetAddressBytes());
    }

    public static byte[] PtrRecord(string owner, string target, uint ttl = 30) => Record(Name(owner), Ptr, ttl, Name(target));

    public static byte[] SoaRecord(string owner, uint ttl, uint minimum) =>
        Record(Name(owner), Soa, ttl, [.. Name("ns.dns." + owner), .. Name("hostmaster." + owner), .. U32(1), .. U32(7200), .. U32(1800), .. U32(86400), .. U32(minimum)]);

    public byte[] ToArray()
    {
        var counts = Counts ?? ((ushort)Questions.Count, (ushort)Answers.Count, (ushort)Authorities.Count, (ushort)Additionals.Count);
        IEnumerable<byte> bytes = [.. U16(Id), .. U16(Flags), .. U16(counts.Questions), .. U16(counts.Answers), .. U16(counts.Authorities), .. U16(counts.Additionals)];
        foreach (var part in Questions.Concat(Answers).Concat(Authorities).Concat(Additionals))
        {
            bytes = bytes.Concat(part);
        }
        return [.. bytes];
    }

    public static byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }
}
