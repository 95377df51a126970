using System.Net;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

public class PodNameParserTests
{
    [Theory]
    [InlineData("web-2.nginx-headless.default.svc.cluster.local.", "web-2", 2)]
    [InlineData("web-2.nginx-headless.default.svc.cluster.local", "web-2", 2)]
    [InlineData("web-0", "web-0", 0)]
    [InlineData("web-10.nginx-headless", "web-10", 10)]
    [InlineData("kafka-0.kafka-headless.kafka.svc.cluster.local.", "kafka-0", 0)]
    [InlineData("my-app-3.my-app.default.svc.cluster.local.", "my-app-3", 3)]
    [InlineData("WEB-4.Nginx-Headless.Default.svc.cluster.local.", "web-4", 4)]
    [InlineData("web-2147483647.x", "web-2147483647", 2147483647)]
    public void Parse_StatefulSetPod_NameAndOrdinal(string hostName, string name, int ordinal)
    {
        Assert.Equal((name, (int?)ordinal), PodNameParser.Parse(hostName));
    }

    [Theory]
    [InlineData("10-0-0-22.nginx-headless.default.svc.cluster.local.", "10-0-0-22")]
    [InlineData("10-244-1-7", "10-244-1-7")]
    [InlineData("192-168-255-0.x.", "192-168-255-0")]
    [InlineData("fd00--1.nginx-headless.default.svc.cluster.local.", "fd00--1")]
    [InlineData("fd00-0-0-0-0-0-0-1.x", "fd00-0-0-0-0-0-0-1")]
    [InlineData("2001-db8--a-1.x", "2001-db8--a-1")]
    [InlineData("FD00--1B.x", "fd00--1b")]
    [InlineData("web", "web")]
    [InlineData("web-", "web-")]
    [InlineData("web-a1", "web-a1")]
    [InlineData("web-2147483648.x", "web-2147483648")]
    [InlineData("web-007.x", "web-007")]
    [InlineData("web-01.x", "web-01")]
    [InlineData("-5.x", "-5")]
    public void Parse_NoOrdinal_NameOnly(string hostName, string name)
    {
        Assert.Equal((name, (int?)null), PodNameParser.Parse(hostName));
    }

    [Theory]
    [InlineData("1-2-3", 3)]
    [InlineData("10-0-0-22-1", 1)]
    [InlineData("10-0-0-256", 256)]
    [InlineData("app-1-2-3", 3)]
    public void Parse_AlmostDashedAddress_HasOrdinal(string label, int ordinal)
    {
        Assert.Equal(ordinal, PodNameParser.Parse(label).Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.22", "10-0-0-22")]
    [InlineData("fd00::1", "fd00--1")]
    [InlineData("fd00:0:0:0:0:0:0:1", "fd00--1")]
    [InlineData("2001:db8::a:1", "2001-db8--a-1")]
    public void DashedAddress_Address_CoreDnsForm(string address, string expected)
    {
        Assert.Equal(expected, PodNameParser.DashedAddress(IPAddress.Parse(address)));
    }
}
