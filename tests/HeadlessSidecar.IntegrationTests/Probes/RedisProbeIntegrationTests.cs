using HeadlessSidecar.Health.Probes;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Probes;

public sealed class RedisProbeIntegrationTests
{
    private const string Password = "s3cret";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // An ACL user allowed only what the probe runs.
    private static readonly string[] Auth = ["--requirepass", Password, "--masterauth", Password, "--user", "probe", "on", ">probepw", "+ping", "+role"];

    [Fact]
    public async Task ProbeAsync_RealPrimaryAndReplica_ReportsRoles()
    {
        await using var primary = await ProbeTarget.StartRedisAsync(Auth, Ct);
        await using var replica = await ProbeTarget.StartRedisAsync(
            [.. Auth, "--replicaof", primary.EndPoint.Address.ToString(), primary.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], Ct);

        Assert.Equal(ProbeResult.Pass(PodRole.Primary), await primary.ProbeAsync(RedisProbe.Instance, new ProbeCredentials("probe", "probepw"), Ct));
        Assert.Equal(ProbeResult.Pass(PodRole.Replica), await replica.ProbeAsync(RedisProbe.Instance, new ProbeCredentials("probe", "probepw"), Ct));
        Assert.Equal(ProbeResult.Pass(PodRole.Replica), await replica.ProbeAsync(RedisProbe.Instance, new ProbeCredentials("default", Password), Ct));
    }

    [Fact]
    public async Task ProbeAsync_RealServerWithoutCredentials_UnhealthyNoAuth()
    {
        await using var server = await ProbeTarget.StartRedisAsync(Auth, Ct);

        var result = await server.ProbeAsync(RedisProbe.Instance, null, Ct);

        Assert.False(result.Healthy);
        Assert.Contains("NOAUTH", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_RealServerWrongPassword_Unhealthy()
    {
        await using var server = await ProbeTarget.StartRedisAsync(Auth, Ct);

        var result = await server.ProbeAsync(RedisProbe.Instance, new ProbeCredentials("probe", "nope-nope"), Ct);

        Assert.False(result.Healthy);
        Assert.Contains("AUTH refused", result.Failure, StringComparison.Ordinal);
        Assert.DoesNotContain("nope-nope", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_RealServerNoPassword_HealthyPrimary()
    {
        await using var server = await ProbeTarget.StartRedisAsync([], Ct);

        Assert.Equal(ProbeResult.Pass(PodRole.Primary), await server.ProbeAsync(RedisProbe.Instance, null, Ct));
        Assert.Equal(ProbeResult.Pass(PodRole.Primary), await server.ProbeAsync(RedisProbe.Instance, new ProbeCredentials("", "unneeded"), Ct));
    }
}
