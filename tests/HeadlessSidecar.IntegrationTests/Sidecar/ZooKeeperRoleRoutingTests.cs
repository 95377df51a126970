using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Probes;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>Contract section 4, Role: a 3-node ZooKeeper ensemble behind the sidecar; the leader is the primary.</summary>
[Collection(nameof(HeavyRoleRoutingGroup))]
public sealed class ZooKeeperRoleRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Sends the four-letter word <c>srvr</c> through <paramref name="endPoint"/> and reads the reply to EOF.</summary>
    private static async Task<string> SrvrAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        using var client = new TcpClient(endPoint.AddressFamily);
        await client.ConnectAsync(endPoint, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync("srvr"u8.ToArray(), timeout.Token);
        using var reply = new MemoryStream();
        await stream.CopyToAsync(reply, timeout.Token);
        return Encoding.ASCII.GetString(reply.ToArray());
    }

    private static string? Mode(string srvr) =>
        srvr.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Mode: ", StringComparison.Ordinal))?["Mode: ".Length..];

    /// <summary>A server's <c>Mode</c> asked directly (not through the sidecar); null while it is down or not serving.</summary>
    private static async Task<string?> DirectModeAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        try
        {
            return Mode(await SrvrAsync(endPoint, cancellationToken));
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    [Fact]
    public async Task ZooKeeperRoles_PrimaryIsTheLeader_FollowsANewLeaderAfterTheLeaderStops()
    {
        var addresses = LoopbackAddresses.Next(3);
        var clientPort = LoopbackAddresses.FreePort(addresses);
        var quorumPort = LoopbackAddresses.FreePort(addresses);
        var electionPort = LoopbackAddresses.FreePort(addresses);
        while (electionPort == quorumPort || electionPort == clientPort || quorumPort == clientPort)
        {
            quorumPort = LoopbackAddresses.FreePort(addresses);
            electionPort = LoopbackAddresses.FreePort(addresses);
        }
        string[] members = [.. Enumerable.Range(0, 3).Select(i => string.Create(
            CultureInfo.InvariantCulture, $"server.{i + 1}={addresses[i]}:{quorumPort}:{electionPort}"))];
        var servers = new ProbeTarget?[3];
        try
        {
            for (var i = 0; i < 3; i++)
            {
                servers[i] = await ProbeTarget.StartZooKeeperAsync(members, Ct, addresses[i], clientPort, myId: i + 1);
            }
            var modes = new string?[3];
            await Poll.UntilAsync(async ct =>
            {
                for (var i = 0; i < 3; i++)
                {
                    modes[i] = await DirectModeAsync(servers[i]!.EndPoint, ct);
                }
                return modes.Count(m => m == "leader") == 1 && modes.Count(m => m == "follower") == 2;
            }, "ensemble with one leader and two followers", TimeSpan.FromSeconds(30), () => $" Modes: {string.Join(",", modes)}", Ct);
            var leader = Array.IndexOf(modes, "leader");

            var zone = new ClusterZone { Ttl = 1 };
            var service = zone.AddService("zk-headless", "default", ("client", clientPort));
            for (var i = 0; i < 3; i++)
            {
                service.AddPod($"zk-{i}", addresses[i]);
            }
            await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
            var replicaAddress = LoopbackAddresses.Next();
            var replicaListen = new IPEndPoint(replicaAddress, LoopbackAddresses.FreePort(replicaAddress));
            await using var sidecar = await TestSidecar.StartAsync(dns.EndPoint, s =>
            {
                RoleServices.Configure(s, "zk-headless", "client", "ZooKeeper", replicaListen);
            }, cancellationToken: Ct);
            var primaryListen = sidecar.Listen;
            await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_pod_role",
                ("service", "primary"), ("pod", $"zk-{leader}"), ("role", "primary")) == 1, $"zk-{leader} seen as primary", Ct);
            await sidecar.WaitUntilAsync(async ct =>
            {
                var metrics = await sidecar.MetricsAsync(ct);
                return Enumerable.Range(0, 3).Where(i => i != leader).All(i => TestSidecar.Series(metrics, "headless_sidecar_pod_role",
                    ("service", "replicas"), ("pod", $"zk-{i}"), ("role", "replica")) == 1);
            }, "followers seen as replicas", Ct);

            for (var i = 0; i < 4; i++)
            {
                Assert.Equal("leader", Mode(await SrvrAsync(primaryListen, Ct)));
                Assert.Equal("follower", Mode(await SrvrAsync(replicaListen, Ct)));
            }

            // Stop the leader: the two followers elect a new one, and new primary connections follow it.
            await servers[leader]!.DisposeAsync();
            servers[leader] = null;
            var newLeader = -1;
            await Poll.UntilAsync(async ct =>
            {
                for (var i = 0; i < 3; i++)
                {
                    if (i != leader && await DirectModeAsync(servers[i]!.EndPoint, ct) == "leader")
                    {
                        newLeader = i;
                        return true;
                    }
                }
                return false;
            }, "a new leader among the followers", TimeSpan.FromSeconds(30), cancellationToken: Ct);
            await sidecar.WaitUntilAsync(async ct => Mode(await SrvrAsync(primaryListen, ct)) == "leader", "primary connections on the new leader", Ct);
            await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_failovers_total",
                ("service", "primary"), ("from_pod", $"zk-{leader}"), ("to_pod", $"zk-{newLeader}"), ("reason", "role_change")) == 1,
                "one role_change failover", Ct);
            await sidecar.WaitUntilAsync(async ct => Mode(await SrvrAsync(replicaListen, ct)) == "follower", "replica connections on the follower", Ct);
            var peers = await sidecar.PeersAsync("primary", Ct);
            Assert.Equal("primary", peers.GetProperty("pods")[newLeader].GetProperty("role").GetString());
            var (exit, output) = await Promtool.CheckMetricsAsync(await sidecar.MetricsAsync(Ct), Ct);
            Assert.True(exit == 0, output);
        }
        finally
        {
            foreach (var server in servers)
            {
                if (server is not null)
                {
                    await server.DisposeAsync();
                }
            }
        }
    }
}
