using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.IntegrationTests.Probes;

public sealed class MySqlProbeIntegrationTests
{
    private const string Password = "probe-pw";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ProbeAsync_RealMariaDbPrimaryAndReadOnly_ReportsRoles()
    {
        await using var primary = await ProbeTarget.StartMariaDbAsync(Password, readOnly: false, Ct);
        await using var replica = await ProbeTarget.StartMariaDbAsync(Password, readOnly: true, Ct);

        Assert.Equal(ProbeResult.Pass(PodRole.Primary), await primary.ProbeAsync(MySqlProbe.Instance, new ProbeCredentials("probe", Password), Ct));
        Assert.Equal(ProbeResult.Pass(PodRole.Replica), await replica.ProbeAsync(MySqlProbe.Instance, new ProbeCredentials("probe", Password), Ct));
    }

    [Fact]
    public async Task ProbeAsync_RealMariaDb_HandshakeAloneHealthyWrongPasswordNot()
    {
        await using var server = await ProbeTarget.StartMariaDbAsync(Password, readOnly: false, Ct);

        Assert.Equal(ProbeResult.Pass(), await server.ProbeAsync(MySqlProbe.Instance, null, Ct));
        var wrong = await server.ProbeAsync(MySqlProbe.Instance, new ProbeCredentials("probe", "not-it"), Ct);
        Assert.False(wrong.Healthy);
        Assert.Contains("[1045]", wrong.Failure, StringComparison.Ordinal);
        Assert.DoesNotContain("not-it", wrong.Failure, StringComparison.Ordinal);
    }
}
