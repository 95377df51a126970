using System.Net;
using HeadlessSidecar.Admin;
using HeadlessSidecar.Configuration;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Tests.Admin;

public class AdminAccessTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.15.3.200")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:127.9.9.9")]
    public void IsAllowed_LoopbackClient_AllowedByDefault(string address)
    {
        Assert.True(AdminAccess.IsAllowed(DebugAccess.Loopback, IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.0.0.7")]
    [InlineData("192.0.2.2")]
    [InlineData("0.0.0.0")]
    [InlineData("128.0.0.1")]
    [InlineData("::ffff:10.0.0.7")]
    [InlineData("fd00::2")]
    [InlineData("fe80::1")]
    [InlineData("::")]
    public void IsAllowed_OtherClient_RefusedByDefault(string address)
    {
        Assert.False(AdminAccess.IsAllowed(DebugAccess.Loopback, IPAddress.Parse(address)));
    }

    [Fact]
    public void IsAllowed_NoIpPeer_Refused()
    {
        Assert.False(AdminAccess.IsAllowed(DebugAccess.Loopback, null));
    }

    [Theory]
    [InlineData("10.0.0.7")]
    [InlineData("fd00::2")]
    [InlineData("127.0.0.1")]
    public void IsAllowed_Any_AllowsEveryClient(string address)
    {
        Assert.True(AdminAccess.IsAllowed(DebugAccess.Any, IPAddress.Parse(address)));
        Assert.True(AdminAccess.IsAllowed(DebugAccess.Any, null));
    }

    [Theory]
    [InlineData("/status", true)]
    [InlineData("/STATUS", true)]
    [InlineData("/status/", true)]
    [InlineData("/debug", true)]
    [InlineData("/debug/peers", true)]
    [InlineData("/Debug/Peers", true)]
    [InlineData("/debug/anything/else", true)]
    [InlineData("/metrics", false)]
    [InlineData("/healthz", false)]
    [InlineData("/readyz", false)]
    [InlineData("/statusz", false)]
    [InlineData("/debugger", false)]
    [InlineData("/", false)]
    public void IsRestricted_Path_OnlyStatusAndDebug(string path, bool restricted)
    {
        Assert.Equal(restricted, AdminAccess.IsRestricted(new PathString(path)));
    }
}
