using System.Net;
using HeadlessSidecar.Routing;

namespace HeadlessSidecar.Tests.Routing;

public class HostNameTests
{
    [Theory]
    [InlineData("web-1.nginx-headless.default.svc.cluster.local.:8080", "web-1.nginx-headless.default.svc.cluster.local")]
    [InlineData("web-1", "web-1")]
    [InlineData("[::1]:18001", "[::1]")]
    [InlineData("", "")]
    public void Get_DropsPortAndTrailingDot(string host, string expected) => Assert.Equal(expected, HostName.Get(host).ToString());

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.3.9")]
    [InlineData("10.0.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("127.0.0.01")]
    [InlineData("0177.0.0.1")]
    [InlineData("127.1")]
    [InlineData("2130706433")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("256.0.0.1")]
    [InlineData("127.0.0.1.5")]
    [InlineData("127..0.1")]
    [InlineData("127.0.0.")]
    [InlineData("1277.0.0.1")]
    [InlineData("::1")]
    [InlineData("[::1]")]
    [InlineData("[0:0:0:0:0:0:0:1]")]
    [InlineData("[::ffff:127.0.0.1]")]
    [InlineData("[fe80::1]")]
    public void IsLoopback_Address_AgreesWithIPAddress(string name)
    {
        var bare = name.Trim('[', ']');
        var expected = IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address);
        Assert.Equal(expected, HostName.IsLoopback(name));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("localhost", true)]
    [InlineData("LocalHost", true)]
    [InlineData("nginx-headless", false)]
    [InlineData("web-1.nginx-headless", false)]
    [InlineData("127-0-0-1", false)]
    public void IsLoopback_Name(string name, bool expected) => Assert.Equal(expected, HostName.IsLoopback(name));
}
