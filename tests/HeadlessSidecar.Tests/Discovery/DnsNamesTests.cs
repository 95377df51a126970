using System.Net;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

public class DnsNamesTests
{
    [Theory]
    [InlineData("10.0.0.22", "22.0.0.10.in-addr.arpa.")]
    [InlineData("::ffff:10.0.0.22", "22.0.0.10.in-addr.arpa.")]
    [InlineData("2001:db8::567:89ab", "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")]
    public void ReverseLookupName_Address_ArpaName(string address, string expected)
    {
        Assert.Equal(expected, DnsNames.ReverseLookupName(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("Web-0.Example.COM", "web-0.example.com.")]
    [InlineData("web-0.example.com.", "web-0.example.com.")]
    public void Absolute_Name_LowerCaseWithTrailingDot(string name, string expected)
    {
        Assert.Equal(expected, DnsNames.Absolute(name));
    }
}
