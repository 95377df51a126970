using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

public class EffectiveDnsSettingsTests
{
    private static readonly ResolvConf s_podResolvConf = ResolvConf.Parse("""
        nameserver 10.96.0.10
        nameserver fd00::a
        search default.svc.cluster.local svc.cluster.local cluster.local
        options ndots:5
        """);

    [Fact]
    public void Create_NothingConfigured_TakesResolvConfWithPort53()
    {
        var settings = EffectiveDnsSettings.Create(new DnsOptions(), s_podResolvConf);

        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.96.0.10"), 53), new IPEndPoint(IPAddress.Parse("fd00::a"), 53)], settings.Servers);
        Assert.Equal(["default.svc.cluster.local", "svc.cluster.local", "cluster.local"], settings.Search);
        Assert.Equal(5, settings.Ndots);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Timeout);
    }

    [Fact]
    public void Create_AllConfigured_OverridesResolvConf()
    {
        var options = new DnsOptions
        {
            Servers = [new IPEndPoint(IPAddress.Loopback, 5353)],
            Search = ["example.com.", "example.com"],
            Ndots = 2,
            Timeout = TimeSpan.FromMilliseconds(500),
        };

        var settings = EffectiveDnsSettings.Create(options, s_podResolvConf);

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 5353)], settings.Servers);
        Assert.Equal(["example.com"], settings.Search);
        Assert.Equal(2, settings.Ndots);
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.Timeout);
    }

    [Fact]
    public void Create_EmptySearchConfigured_MeansNoSearchList()
    {
        var settings = EffectiveDnsSettings.Create(new DnsOptions { Search = [] }, s_podResolvConf);

        Assert.Empty(settings.Search);
    }

    [Fact]
    public void Create_NeitherGivesAnything_UsesResolverDefaults()
    {
        var settings = EffectiveDnsSettings.Create(new DnsOptions(), ResolvConf.Empty);

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 53)], settings.Servers);
        Assert.Empty(settings.Search);
        Assert.Equal(1, settings.Ndots);
    }
}
