using System.Net;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

public class PodEndpointTests
{
    [Theory]
    [InlineData("web-1.nginx-headless.default.svc.cluster.local.", "10.1.0.5", 8080, "web-1.nginx-headless.default.svc.cluster.local:8080")]
    [InlineData("web-1.nginx-headless.default.svc.cluster.local.", "10.1.0.5", 80, "web-1.nginx-headless.default.svc.cluster.local")]
    [InlineData("", "10.1.0.5", 8080, "10.1.0.5:8080")]
    [InlineData("", "fd00::15", 8080, "[fd00::15]:8080")]
    [InlineData("", "fd00::15", 80, "[fd00::15]")]
    public void UpstreamHost_NamesThePod(string hostName, string address, int port, string expected)
    {
        var pod = new PodEndpoint("web-1", 1, IPAddress.Parse(address), port, hostName);
        Assert.Equal(expected, pod.UpstreamHost);
    }

    [Fact]
    public void UpstreamHost_KeepsRecordEquality()
    {
        var a = new PodEndpoint("web-1", 1, IPAddress.Parse("10.1.0.5"), 8080, "web-1.x.");
        var b = new PodEndpoint("web-1", 1, IPAddress.Parse("10.1.0.5"), 8080, "web-1.x.");
        Assert.Equal(a, b);
        Assert.NotEqual(a, b with { Port = 8081 });
    }
}
