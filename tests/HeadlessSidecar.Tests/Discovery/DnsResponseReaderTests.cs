using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using static HeadlessSidecar.Tests.Discovery.Dns;

namespace HeadlessSidecar.Tests.Discovery;

public class DnsResponseReaderTests
{
    private const ushort Id = 0x1234;
    private static readonly DnsQuestion s_srv = DnsQuestion.Create(SrvName, DnsQueryType.Srv, Id)!;

    private static DnsPacket SrvAnswer(params string[] labels)
    {
        var packet = DnsPacket.AnswerTo(Id, SrvName, DnsPacket.Srv);
        var i = 1;
        foreach (var label in labels)
        {
            packet.Answers.Add(DnsPacket.SrvRecord(SrvName, Pod(label)));
            packet.Additionals.Add(DnsPacket.AddressRecord(Pod(label), $"10.0.{i / 250}.{(i++ % 250) + 1}"));
        }
        return packet;
    }

    private static (DnsReadOutcome Outcome, DnsQueryResult Result) Read(DnsPacket packet, DnsQuestion? question = null, int maxRecords = DnsOptions.DefaultMaxAnswerRecords)
    {
        var outcome = DnsResponseReader.Read(packet.ToArray(), question ?? s_srv, maxRecords, out var result);
        return (outcome, result);
    }

    [Fact]
    public void Read_WellFormedSrvAnswer_TargetsAndGlue()
    {
        var (outcome, result) = Read(SrvAnswer("web-0", "web-1"));

        Assert.Equal(DnsReadOutcome.Answer, outcome);
        Assert.Equal(DnsQueryStatus.Success, result.Status);
        Assert.Equal([Pod("web-0"), Pod("web-1")], result.Srv.Select(r => r.Target));
        Assert.Equal(["10.0.0.2", "10.0.0.3"], result.AdditionalAddresses.Select(r => r.Address.ToString()));
        Assert.True(result.Rejections.IsEmpty);
    }

    [Fact]
    public void Read_QuestionInOtherCase_Answer()
    {
        var packet = SrvAnswer("web-0");
        packet.Questions[0] = DnsPacket.Question(SrvName.ToUpperInvariant(), DnsPacket.Srv);

        Assert.Equal(DnsQueryStatus.Success, Read(packet).Result.Status);
    }

    public static TheoryData<string> Mismatches => ["other id", "QR=0", "other name", "other type", "other class", "no question", "two questions", "opcode", "runt"];

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void Read_NotTheAnswerToTheQuestion_Mismatched(string how)
    {
        var packet = SrvAnswer("web-0");
        switch (how)
        {
            case "other id": packet.Id = Id + 1; break;
            case "QR=0": packet.Flags &= 0x7FFF; break;
            case "other name": packet.Questions[0] = DnsPacket.Question("_web._tcp.other.default.svc.cluster.local", DnsPacket.Srv); break;
            case "other type": packet.Questions[0] = DnsPacket.Question(SrvName, DnsPacket.A); break;
            case "other class": packet.Questions[0] = DnsPacket.Question(SrvName, DnsPacket.Srv, 3); break;
            case "no question": packet.Questions.Clear(); break;
            case "two questions": packet.Questions.Add(DnsPacket.Question(SrvName, DnsPacket.Srv)); break;
            case "opcode": packet.Flags |= 0x1000; break;
        }
        var bytes = how == "runt" ? packet.ToArray()[..11] : packet.ToArray();

        Assert.Equal(DnsReadOutcome.Mismatched, DnsResponseReader.Read(bytes, s_srv, 5000, out _));
    }

    [Fact]
    public void Read_ServerFailureWithoutQuestion_Failed()
    {
        var packet = new DnsPacket { Id = Id }.WithRcode(2);

        var (outcome, result) = Read(packet);

        Assert.Equal(DnsReadOutcome.Answer, outcome);
        Assert.Equal("SERVFAIL", result.Error);
    }

    [Fact]
    public void Read_Truncated_Truncated()
    {
        var packet = SrvAnswer("web-0");
        packet.Flags |= 0x0200;

        Assert.Equal(DnsReadOutcome.Truncated, Read(packet).Outcome);
    }

    public static TheoryData<string> MalformedNames => ["80-byte label", "320-byte name", "reserved label type 0x40", "reserved label type 0x80",
        "pointer to itself", "pointer forward", "dot inside a label", "backslash", "name runs off the end"];

    [Theory]
    [MemberData(nameof(MalformedNames))]
    public void Read_MalformedTargetName_WholeAnswerRejected(string how)
    {
        var packet = SrvAnswer("web-0");
        var good = DnsPacket.Name(Pod("web-1"));
        byte[] target = how switch
        {
            "80-byte label" => DnsPacket.Name(Pod(new string('a', 80))),
            "320-byte name" => DnsPacket.Name(string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + "." + Pod("web-1")),
            "reserved label type 0x40" => [0x41, .. good],
            "reserved label type 0x80" => [0x81, (byte)'x', .. good],
            "pointer to itself" => [],
            "pointer forward" => [0xC0, 0xFF],
            "dot inside a label" => [10, .. "evil.web-1"u8, .. good[6..]],
            "backslash" => [.. DnsPacket.Name("we\\b-1")[..^1], .. good[6..]],
            "name runs off the end" => good[..5],
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };
        byte[] data = [0, 0, 0, 33, 0, 80, .. target];
        if (how == "pointer to itself")
        {
            // The pointer is the first octet of the target: it names its own offset.
            var offset = packet.ToArray().Length + DnsPacket.Name(SrvName).Length + 10 + 6;
            data = [0, 0, 0, 33, 0, 80, (byte)(0xC0 | (offset >> 8)), (byte)offset];
        }
        packet.Answers.Add(DnsPacket.Record(DnsPacket.Name(SrvName), DnsPacket.Srv, 30, data));

        var (outcome, result) = Read(packet);

        Assert.Equal(DnsReadOutcome.Answer, outcome);
        Assert.Equal(DnsQueryStatus.Error, result.Status);
        Assert.True(result.Rejections.MalformedName + result.Rejections.MismatchedAnswer == 1, result.Rejections.ToString());
        Assert.Empty(result.Srv);
    }

    [Fact]
    public void Read_NameOfExactly255Octets_Accepted()
    {
        // 3 x (1 + 62) + (1 + 54) + 1 + the service name's own octets: pad the first label so the whole is 255.
        var suffix = DnsPacket.Name(Pod("web-0"));
        var pad = 255 - suffix.Length;
        var labels = new List<string>();
        while (pad > 0)
        {
            var length = Math.Min(63, pad - 1);
            labels.Add(new string('p', length));
            pad -= length + 1;
        }
        var target = string.Join('.', labels) + "." + Pod("web-0");
        Assert.Equal(255, DnsPacket.Name(target).Length);
        var packet = DnsPacket.AnswerTo(Id, SrvName, DnsPacket.Srv);
        packet.Answers.Add(DnsPacket.SrvRecord(SrvName, target));

        Assert.Equal(DnsQueryStatus.Success, Read(packet).Result.Status);
        packet.Answers[0] = DnsPacket.SrvRecord(SrvName, "q." + target);
        Assert.Equal(1, Read(packet).Result.Rejections.MalformedName);
    }

    [Fact]
    public void Read_MoreRecordsThanTheCap_RecordLimit()
    {
        var (outcome, result) = Read(SrvAnswer("web-0", "web-1", "web-2"), maxRecords: 5);

        Assert.Equal(DnsReadOutcome.Answer, outcome);
        Assert.Equal(DnsQueryStatus.Error, result.Status);
        Assert.Equal(1, result.Rejections.RecordLimit);
        Assert.Contains("Dns:MaxAnswerRecords", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CountsClaimMoreThanTheCap_RefusedBeforeReading()
    {
        var packet = SrvAnswer("web-0");
        packet.Counts = (1, 65535, 0, 0);

        Assert.Equal(1, Read(packet).Result.Rejections.RecordLimit);
    }

    [Fact]
    public void Read_ThousandPodAnswerUnderTheDefaultCap_AllTargets()
    {
        var packet = SrvAnswer([.. Enumerable.Range(0, 1000).Select(i => $"web-{i}")]);

        var result = Read(packet).Result;

        Assert.Equal(1000, result.Srv.Count);
        Assert.Equal(1000, result.AdditionalAddresses.Count);
    }

    [Fact]
    public void Read_CountsBeyondTheMessage_Rejected()
    {
        var packet = SrvAnswer("web-0");
        packet.Counts = (1, 3, 0, 1);

        var result = Read(packet).Result;

        Assert.Equal(DnsQueryStatus.Error, result.Status);
        Assert.Equal(1, result.Rejections.Total);
    }

    [Theory]
    [InlineData(0xFFFFFFFFu, 0)]
    [InlineData(0x80000000u, 0)]
    [InlineData(0x7FFFFFFFu, 7 * 86400)]
    [InlineData(30u, 30)]
    public void Read_AbsurdTtl_ClampedWithoutOverflow(uint ttl, int expectedSeconds)
    {
        var packet = DnsPacket.AnswerTo(Id, SrvName, DnsPacket.Srv);
        packet.Answers.Add(DnsPacket.SrvRecord(SrvName, Pod("web-0"), ttl: ttl));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Read(packet).Result.Ttl);
    }

    [Fact]
    public void Read_AnswerRecordForAnotherOwner_IgnoredAndCounted()
    {
        var packet = SrvAnswer("web-0");
        packet.Answers.Add(DnsPacket.SrvRecord("_web._tcp.other.default.svc.cluster.local", "evil.example.com"));

        var result = Read(packet).Result;

        Assert.Equal([Pod("web-0")], result.Srv.Select(r => r.Target));
        Assert.Equal(1, result.Rejections.OutOfDomain);
    }

    [Fact]
    public void Read_EveryAnswerRecordForAnotherOwner_Rejected()
    {
        var packet = DnsPacket.AnswerTo(Id, SrvName, DnsPacket.Srv);
        packet.Answers.Add(DnsPacket.SrvRecord("_web._tcp.other.default.svc.cluster.local", "evil.example.com"));

        var result = Read(packet).Result;

        Assert.Equal(DnsQueryStatus.Error, result.Status);
        Assert.Equal(1, result.Rejections.OutOfDomain);
    }

    [Fact]
    public void Read_NxDomainWithSoa_NegativeTtlIsTheSmallerOfTtlAndMinimum()
    {
        var packet = DnsPacket.AnswerTo(Id, SrvName, DnsPacket.Srv).WithRcode(3);
        packet.Authorities.Add(DnsPacket.SoaRecord("cluster.local", ttl: 30, minimum: 5));

        var result = Read(packet).Result;

        Assert.Equal(DnsQueryStatus.NxDomain, result.Status);
        Assert.Equal(TimeSpan.FromSeconds(5), result.Ttl);
    }

    [Fact]
    public void Read_NoDataWithSoa_NoData()
    {
        var packet = DnsPacket.AnswerTo(Id, SrvName, DnsPacket.Srv);
        packet.Authorities.Add(DnsPacket.SoaRecord("cluster.local", ttl: 5, minimum: 30));

        var result = Read(packet).Result;

        Assert.Equal(DnsQueryStatus.NoData, result.Status);
        Assert.Equal(TimeSpan.FromSeconds(5), result.Ttl);
    }

    [Theory]
    [InlineData(5, "Refused", "REFUSED")]
    [InlineData(4, "Refused", "NOTIMP")]
    [InlineData(2, "Error", "SERVFAIL")]
    [InlineData(1, "Error", "FORMERR")]
    [InlineData(11, "Error", "rcode 11")]
    public void Read_ErrorCodes_StatusAndName(int rcode, string status, string error)
    {
        var result = Read(SrvAnswer("web-0").WithRcode(rcode)).Result;

        Assert.Equal(status, result.Status.ToString());
        Assert.Equal(error, result.Error);
    }

    [Fact]
    public void Read_AddressAnswerWithWrongLength_Rejected()
    {
        var question = DnsQuestion.Create(Service, DnsQueryType.A, Id)!;
        var packet = DnsPacket.AnswerTo(Id, Service, DnsPacket.A);
        packet.Answers.Add(DnsPacket.Record(DnsPacket.Name(Service), DnsPacket.A, 30, [10, 0, 0]));

        Assert.Equal(DnsQueryStatus.Error, Read(packet, question).Result.Status);
    }

    [Fact]
    public void Read_CompressedTargetPointingBack_Followed()
    {
        var packet = DnsPacket.AnswerTo(Id, SrvName, DnsPacket.Srv);
        // "web-0" then a pointer to the question's "nginx-headless…" (offset 12 + the "_web" and "_tcp" labels).
        byte[] target = [5, .. "web-0"u8, 0xC0, (byte)(12 + 5 + 5)];
        packet.Answers.Add(DnsPacket.Record(DnsPacket.Name(SrvName), DnsPacket.Srv, 30, [0, 0, 0, 33, 0, 80, .. target]));

        Assert.Equal([Pod("web-0")], Read(packet).Result.Srv.Select(r => r.Target));
    }
}
