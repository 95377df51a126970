using System.Net;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

/// <summary>Rendering rules of the zone model that need no server.</summary>
public sealed class ClusterZoneTests
{
    [Fact]
    public void Render_EveryCall_IncreasesSerialInEveryZone()
    {
        var zone = new ClusterZone();

        var first = zone.Render();
        var second = zone.Render();

        Assert.Equal(2u, zone.Serial);
        Assert.All(first, f => Assert.Contains(" 1 7200 1800 86400 ", f.Text, StringComparison.Ordinal));
        Assert.All(second, f => Assert.Contains(" 2 7200 1800 86400 ", f.Text, StringComparison.Ordinal));
        Assert.Equal(["cluster.local", "in-addr.arpa", "ip6.arpa"], second.Select(f => f.Origin));
    }

    [Fact]
    public void Render_ServiceWithReadyPods_HasNoPlaceholder()
    {
        var zone = new ClusterZone();
        zone.AddService("nginx-headless", "default", ("web", 80)).AddPod("web-0", IPAddress.Parse("127.0.0.22"));

        var text = zone.Render()[0].Text;

        Assert.DoesNotContain(" TXT ", text, StringComparison.Ordinal);
        Assert.Contains("_web._tcp.nginx-headless.default.svc.cluster.local. 5 IN SRV 0 100 80 web-0.nginx-headless.default.svc.cluster.local.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EmptyServiceNoData_TxtPlaceholderOnSrvNameOnly()
    {
        var zone = new ClusterZone();
        zone.AddService("nginx-headless", "default", ("web", 80));

        var lines = zone.Render()[0].Text.Split('\n').Where(l => l.Contains(" TXT ", StringComparison.Ordinal)).ToList();

        Assert.StartsWith("_web._tcp.nginx-headless.default.svc.cluster.local. ", Assert.Single(lines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.22", "127-0-0-22")]
    [InlineData("fd00::1", "fd00--1")]
    [InlineData("2001:db8:0:0:1::a", "2001-db8--1-0-0-a")]
    public void DashedAddress_Address_CoreDnsSpelling(string address, string expected) =>
        Assert.Equal(expected, ClusterPod.DashedAddress(IPAddress.Parse(address)));

    [Fact]
    public void AddService_UpperCaseName_Throws() =>
        Assert.Throws<ArgumentException>(() => new ClusterZone().AddService("Nginx", "default"));
}
