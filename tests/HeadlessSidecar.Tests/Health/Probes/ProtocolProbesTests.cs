using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.Tests.Health.Probes;

public class ProtocolProbesTests
{
    [Fact]
    public void ForCheck_ProtocolChecks_ProbeOfThatProtocol()
    {
        Assert.IsType<RedisProbe>(ProtocolProbes.ForCheck("Redis"));
        Assert.IsType<MySqlProbe>(ProtocolProbes.ForCheck("MySql"));
        Assert.IsType<ZooKeeperProbe>(ProtocolProbes.ForCheck("ZooKeeper"));
        Assert.IsType<LdapProbe>(ProtocolProbes.ForCheck("Ldap"));
    }

    [Theory]
    [InlineData("Connect")]
    [InlineData("Http")]
    [InlineData(null)]
    [InlineData("redis")]
    public void ForCheck_OtherChecks_Null(string? check) => Assert.Null(ProtocolProbes.ForCheck(check));

    [Theory]
    [InlineData("Redis", true)]
    [InlineData("MySql", true)]
    [InlineData("ZooKeeper", true)]
    [InlineData("Ldap", false)]
    [InlineData("Http", false)]
    public void KnowsRoles_Check_Expected(string check, bool expected) => Assert.Equal(expected, ProtocolProbes.KnowsRoles(check));
}
