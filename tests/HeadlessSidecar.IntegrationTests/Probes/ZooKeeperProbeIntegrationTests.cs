using System.Globalization;
using HeadlessSidecar.Health.Probes;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Probes;

public sealed class ZooKeeperProbeIntegrationTests
{
    private static readonly TimeSpan ServingTimeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ProbeAsync_RealStandalone_HealthyPrimary()
    {
        await using var server = await ProbeTarget.StartZooKeeperAsync([], Ct);

        Assert.Equal(ProbeResult.Pass(PodRole.Primary), await ServingAsync(server));
    }

    [Fact]
    public async Task ProbeAsync_RealServerWhitelistWithoutSrvr_StillAnswersSrvr()
    {
        // ZooKeeper always allows srvr (zkServer.sh status relies on it), whatever 4lw.commands.whitelist says.
        await using var server = await ProbeTarget.StartZooKeeperAsync(["4lw.commands.whitelist=ruok"], Ct);

        Assert.Equal(ProbeResult.Pass(PodRole.Primary), await ServingAsync(server));
    }

    [Fact]
    public async Task ProbeAsync_RealEnsemble_OneLeaderTwoFollowers()
    {
        var addresses = LoopbackAddresses.Next(3);
        var ports = addresses.Select(a => (Client: LoopbackAddresses.FreePort(a), Quorum: LoopbackAddresses.FreePort(a), Election: 0)).ToArray();
        for (var i = 0; i < ports.Length; i++)
        {
            var election = LoopbackAddresses.FreePort(addresses[i]);
            while (election == ports[i].Quorum || election == ports[i].Client)
            {
                election = LoopbackAddresses.FreePort(addresses[i]);
            }

            ports[i].Election = election;
        }

        string[] members = [.. Enumerable.Range(0, 3).Select(i => string.Create(
            CultureInfo.InvariantCulture, $"server.{i + 1}={addresses[i]}:{ports[i].Quorum}:{ports[i].Election}"))];
        var servers = new List<ProbeTarget>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                servers.Add(await ProbeTarget.StartZooKeeperAsync(members, Ct, addresses[i], ports[i].Client, myId: i + 1));
            }

            var roles = new List<PodRole>();
            foreach (var server in servers)
            {
                roles.Add((await ServingAsync(server)).Role);
            }

            Assert.Equal(1, roles.Count(r => r == PodRole.Primary));
            Assert.Equal(2, roles.Count(r => r == PodRole.Replica));
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    // A ZooKeeper that accepts connections may still answer "not currently serving requests" while it starts or
    // elects a leader: the probe is repeated until it passes, and the passing result is returned.
    private static async Task<ProbeResult> ServingAsync(ProbeTarget server)
    {
        var last = default(ProbeResult);
        await Poll.UntilAsync(
            async ct => (last = await server.ProbeAsync(ZooKeeperProbe.Instance, null, ct)).Healthy,
            $"ZooKeeper on {server.EndPoint} to serve",
            ServingTimeout,
            () => $" Last probe: {last.Failure}.{server.Log}",
            Ct);
        return last;
    }
}
