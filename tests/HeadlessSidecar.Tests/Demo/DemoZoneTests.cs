using System.Net;
using HeadlessSidecar.Demo;

namespace HeadlessSidecar.Tests.Demo;

public sealed class DemoZoneTests
{
    [Fact]
    public void Resolve_ServiceA_SameSeed_SameOrder()
    {
        var first = DemoDnsServerTests.Zone(5, new Random(42));
        var second = DemoDnsServerTests.Zone(5, new Random(42));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Addresses(first.Resolve(DemoZone.ServiceName, DemoDnsType.A)), Addresses(second.Resolve(DemoZone.ServiceName, DemoDnsType.A)));
        }
    }

    [Fact]
    public void Resolve_Srv_KeepsOrdinalOrderAndRoundsWeightDown()
    {
        var answer = DemoDnsServerTests.Zone(3).Resolve(DemoZone.SrvName + ".", DemoDnsType.Srv);

        Assert.Equal(DemoDnsResponseCode.NoError, answer.ResponseCode);
        Assert.True(answer.Authoritative);
        Assert.Equal(
            ["web-0.nginx-headless.default.svc.cluster.local", "web-1.nginx-headless.default.svc.cluster.local", "web-2.nginx-headless.default.svc.cluster.local"],
            answer.Answers.Select(r => r.Target));
        Assert.All(answer.Answers, r => Assert.Equal((0, 33, 8080), (r.Priority, r.Weight, r.Port)));
        Assert.Equal(3, answer.Additional.Length);
    }

    [Theory]
    [InlineData("svc.cluster.local")]
    [InlineData("default.svc.cluster.local")]
    [InlineData("_tcp.nginx-headless.default.svc.cluster.local")]
    [InlineData("0.0.127.in-addr.arpa")]
    public void Resolve_EmptyNonTerminal_IsNoData(string name)
    {
        var answer = DemoDnsServerTests.Zone(3).Resolve(name, DemoDnsType.A);

        Assert.Equal(DemoDnsResponseCode.NoError, answer.ResponseCode);
        Assert.Empty(answer.Answers);
        Assert.Equal(DemoDnsType.Soa, Assert.Single(answer.Authority).Type);
    }

    [Fact]
    public void Resolve_UnknownReverseName_IsNameErrorWithReverseSoa()
    {
        var answer = DemoDnsServerTests.Zone(3).Resolve("9.9.9.9.in-addr.arpa", DemoDnsType.Ptr);

        Assert.Equal(DemoDnsResponseCode.NameError, answer.ResponseCode);
        Assert.Equal("in-addr.arpa", Assert.Single(answer.Authority).Name);
    }

    [Fact]
    public void Resolve_ApexSoa_AnswersSoa()
    {
        var answer = DemoDnsServerTests.Zone(3).Resolve("Cluster.Local", DemoDnsType.Soa);

        var soa = Assert.Single(answer.Answers);
        Assert.Equal((DemoDnsType.Soa, "cluster.local", 5u, 5u), (soa.Type, soa.Name, soa.Ttl, soa.Minimum));
    }

    [Fact]
    public void Resolve_NameThatOnlyEndsLikeTheZone_IsRefused()
    {
        Assert.Equal(DemoDnsResponseCode.Refused, DemoDnsServerTests.Zone(3).Resolve("notcluster.local", DemoDnsType.A).ResponseCode);
    }

    [Fact]
    public void Resolve_Ipv6Pod_AnswersAaaaAndIp6Ptr()
    {
        var zone = new DemoZone(80, [new DemoZonePod("web-0", IPAddress.Parse("fd00::1"))]);

        var aaaa = zone.Resolve(DemoZone.ServiceName, DemoDnsType.Aaaa);
        var a = zone.Resolve(DemoZone.ServiceName, DemoDnsType.A);
        var ptr = zone.Resolve(DemoZone.ReverseName(IPAddress.Parse("fd00::1")), DemoDnsType.Ptr);

        Assert.Equal(IPAddress.Parse("fd00::1"), new IPAddress(Assert.Single(aaaa.Answers).AddressBytes));
        Assert.Empty(a.Answers);
        Assert.Equal("web-0.nginx-headless.default.svc.cluster.local", Assert.Single(ptr.Answers).Target);
        Assert.EndsWith(".0.0.d.f.ip6.arpa", DemoZone.ReverseName(IPAddress.Parse("fd00::1")), StringComparison.Ordinal);
        Assert.StartsWith("1.0.0.0.", DemoZone.ReverseName(IPAddress.Parse("fd00::1")), StringComparison.Ordinal);
    }

    [Fact]
    public void WithPods_ChangesPodsAndSerial_LeavesOriginalAlone()
    {
        var zone = DemoDnsServerTests.Zone(3);

        var scaled = zone.WithPods([.. zone.Pods, new DemoZonePod("web-3", IPAddress.Parse("127.0.0.24"))]);

        Assert.Equal(zone.Serial + 1, scaled.Serial);
        Assert.Equal(4, scaled.Resolve(DemoZone.ServiceName, DemoDnsType.A).Answers.Length);
        Assert.Equal(3, zone.Resolve(DemoZone.ServiceName, DemoDnsType.A).Answers.Length);
        Assert.Equal(25, scaled.Resolve(DemoZone.SrvName, DemoDnsType.Srv).Answers[0].Weight);
    }

    [Theory]
    [InlineData("Web-0")]
    [InlineData("web.0")]
    [InlineData("-web")]
    [InlineData("")]
    public void Constructor_InvalidPodName_Throws(string name)
    {
        Assert.Throws<ArgumentException>(() => new DemoZone(80, [new DemoZonePod(name, IPAddress.Loopback)]));
    }

    [Fact]
    public void Constructor_DuplicateAddress_Throws()
    {
        Assert.Throws<ArgumentException>(() => new DemoZone(80, [new DemoZonePod("web-0", IPAddress.Loopback), new DemoZonePod("web-1", IPAddress.Loopback)]));
    }

    private static IPAddress[] Addresses(DemoDnsAnswer answer) => [.. answer.Answers.Select(r => new IPAddress(r.AddressBytes))];
}
