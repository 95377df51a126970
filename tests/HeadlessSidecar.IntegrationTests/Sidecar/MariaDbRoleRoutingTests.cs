using System.Net;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Probes;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// Role tests that run whole database ensembles (MariaDB, a 3-node ZooKeeper): heavy on CPU, so they run alone, after
/// the parallel tests, rather than starving timing-sensitive tests next to them.
/// </summary>
[CollectionDefinition(nameof(HeavyRoleRoutingGroup), DisableParallelization = true)]
public sealed class HeavyRoleRoutingGroup;

/// <summary>Contract section 4, Role: a MariaDB pair (one writable, one <c>read_only</c>) behind the sidecar, real mariadbd.</summary>
[Collection(nameof(HeavyRoleRoutingGroup))]
public sealed class MariaDbRoleRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Runs <paramref name="sql"/> with the mariadb client as <c>probe</c> over TCP to <paramref name="endPoint"/>; returns the first row.</summary>
    private static async Task<string> QueryAsync(IPEndPoint endPoint, string password, string sql, CancellationToken cancellationToken)
    {
        var (exit, output) = await ProcessRunner.RunAsync(
            RequiredTool.Resolve("mariadb"),
            ["--no-defaults", "--protocol=TCP", "-h", endPoint.Address.ToString(), "-P", endPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "-u", "probe", $"-p{password}", "--skip-ssl", "--connect-timeout=5", "-N", "-B", "-e", sql],
            timeout: TimeSpan.FromSeconds(15),
            cancellationToken: cancellationToken);
        Assert.True(exit == 0, $"mariadb via {endPoint} exited with {exit}: {output}");
        return output.Split('\n')[0].Trim();
    }

    /// <summary>Runs <paramref name="sql"/> as the OS user (all privileges) over the server's unix socket, not through the sidecar.</summary>
    private static async Task AdminAsync(ProbeTarget server, string sql)
    {
        var (exit, output) = await ProcessRunner.RunAsync(
            RequiredTool.Resolve("mariadb"),
            ["--no-defaults", $"--socket={Path.Combine(server.WorkingDirectory, "mysqld.sock")}", "-u", Environment.UserName, "-N", "-B", "-e", sql],
            timeout: TimeSpan.FromSeconds(15),
            cancellationToken: Ct);
        Assert.True(exit == 0, $"mariadb on {server.EndPoint} ({sql}) exited with {exit}: {output}");
    }

    [Fact]
    public async Task MariaDbRoles_PrimaryAndReplicaServices_FollowAReadOnlySwitch()
    {
        var password = $"pw-{Guid.NewGuid():N}";
        var addresses = LoopbackAddresses.Next(2);
        var port = LoopbackAddresses.FreePort(addresses);
        await using var db0 = await ProbeTarget.StartMariaDbAsync(password, readOnly: false, addresses[0], port, Ct);
        await using var db1 = await ProbeTarget.StartMariaDbAsync(password, readOnly: true, addresses[1], port, Ct);

        var credentials = Directory.CreateTempSubdirectory("hs-credentials-");
        try
        {
            var credentialsFile = Path.Combine(credentials.FullName, "probe");
            await File.WriteAllTextAsync(credentialsFile, $"probe:{password}", Ct);

            var zone = new ClusterZone { Ttl = 1 };
            var service = zone.AddService("mariadb-headless", "default", ("mysql", port));
            service.AddPod("mariadb-0", addresses[0]);
            service.AddPod("mariadb-1", addresses[1]);
            await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
            var replicaAddress = LoopbackAddresses.Next();
            var replicaListen = new IPEndPoint(replicaAddress, LoopbackAddresses.FreePort(replicaAddress));
            await using var sidecar = await TestSidecar.StartAsync(dns.EndPoint, s =>
            {
                RoleServices.Configure(s, "mariadb-headless", "mysql", "MySql", replicaListen, credentialsFile);
            }, cancellationToken: Ct);
            var primaryListen = sidecar.Listen;
            await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_pod_role",
                ("service", "primary"), ("pod", "mariadb-0"), ("role", "primary")) == 1, "mariadb-0 seen as primary", Ct);
            await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_pod_role",
                ("service", "replicas"), ("pod", "mariadb-1"), ("role", "replica")) == 1, "mariadb-1 seen as replica", Ct);

            const string Identify = "SELECT @@bind_address, @@read_only";
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal($"{addresses[0]}\t0", await QueryAsync(primaryListen, password, Identify, Ct));
                Assert.Equal($"{addresses[1]}\t1", await QueryAsync(replicaListen, password, Identify, Ct));
            }
            var peers = await sidecar.PeersAsync("primary", Ct);
            Assert.Equal("primary", peers.GetProperty("pods")[0].GetProperty("role").GetString());
            Assert.Equal("replica", peers.GetProperty("pods")[1].GetProperty("role").GetString());

            // Demote mariadb-0, promote mariadb-1: new connections follow within a probe interval or so.
            await AdminAsync(db0, "SET GLOBAL read_only=1");
            await AdminAsync(db1, "SET GLOBAL read_only=0");
            await sidecar.WaitUntilAsync(async ct => await QueryAsync(primaryListen, password, Identify, ct) == $"{addresses[1]}\t0",
                "primary connections on mariadb-1", Ct);
            await sidecar.WaitUntilAsync(async ct => await QueryAsync(replicaListen, password, Identify, ct) == $"{addresses[0]}\t1",
                "replica connections on mariadb-0", Ct);

            var metrics = await sidecar.MetricsAsync(Ct);
            Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_failovers_total",
                ("service", "primary"), ("from_pod", "mariadb-0"), ("to_pod", "mariadb-1"), ("reason", "role_change")));
            var (exit, output) = await Promtool.CheckMetricsAsync(metrics, Ct);
            Assert.True(exit == 0, output);

            // The probe password reaches neither the admin endpoints nor the sidecar's log.
            var debugPeers = await sidecar.Admin.GetStringAsync("debug/peers", Ct);
            Assert.DoesNotContain(password, metrics, StringComparison.Ordinal);
            Assert.DoesNotContain(password, debugPeers, StringComparison.Ordinal);
            Assert.DoesNotContain(password, TestContext.Current.TestOutputHelper?.Output ?? "", StringComparison.Ordinal);
        }
        finally
        {
            credentials.Delete(recursive: true);
        }
    }
}
