using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.IntegrationTests.Probes;

public sealed class LdapProbeIntegrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ProbeAsync_RealSlapd_Healthy()
    {
        await using var slapd = await ProbeTarget.StartSlapdAsync(Ct);

        Assert.Equal(ProbeResult.Pass(), await slapd.ProbeAsync(LdapProbe.Instance, null, Ct));
    }

    [Fact]
    public async Task ProbeAsync_RealSlapdTwice_HealthyEachTime()
    {
        await using var slapd = await ProbeTarget.StartSlapdAsync(Ct);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ProbeResult.Pass(), await slapd.ProbeAsync(LdapProbe.Instance, null, Ct));
        }
    }
}
