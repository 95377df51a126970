using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Probes;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>Contract section 4, Role: a Redis StatefulSet (one primary, two replicas) behind the sidecar, real redis-server.</summary>
public sealed class RoleRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Sends one RESP command through <paramref name="endPoint"/> and returns the raw reply.</summary>
    private static async Task<string> RedisAsync(IPEndPoint endPoint, string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endPoint, Ct);
        var stream = client.GetStream();
        var parts = command.Split(' ');
        var request = new StringBuilder($"*{parts.Length}\r\n");
        foreach (var part in parts)
        {
            request.Append(CultureInfo.InvariantCulture, $"${part.Length}\r\n{part}\r\n");
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), Ct);
        var buffer = new byte[4096];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    [Fact]
    public async Task RedisRoles_PrimaryAndReplicaServices_FollowAPrimarySwitch()
    {
        var addresses = LoopbackAddresses.Next(3);
        var port = LoopbackAddresses.FreePort(addresses);
        await using var redis0 = await ProbeTarget.StartRedisAsync([], addresses[0], port, Ct);
        await using var redis1 = await ProbeTarget.StartRedisAsync(["--replicaof", addresses[0].ToString(), I(port)], addresses[1], port, Ct);
        await using var redis2 = await ProbeTarget.StartRedisAsync(["--replicaof", addresses[0].ToString(), I(port)], addresses[2], port, Ct);

        var zone = new ClusterZone { Ttl = 1 };
        var service = zone.AddService("redis-headless", "default", ("redis", port));
        for (var i = 0; i < 3; i++)
        {
            service.AddPod($"redis-{i}", addresses[i]);
        }
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        var replicaAddress = LoopbackAddresses.Next();
        var replicaListen = new IPEndPoint(replicaAddress, LoopbackAddresses.FreePort(replicaAddress));
        await using var sidecar = await TestSidecar.StartAsync(dns.EndPoint, s =>
        {
            RoleServices.Configure(s, "redis-headless", "redis", "Redis", replicaListen, probeInterval: "200ms");
        }, cancellationToken: Ct);
        var primaryListen = sidecar.Listen;
        await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_pod_role",
            ("service", "primary"), ("pod", "redis-0"), ("role", "primary")) == 1, "redis-0 seen as primary", Ct);

        for (var i = 0; i < 4; i++)
        {
            var reply = await RedisAsync(primaryListen, "CONFIG GET bind");
            Assert.Contains(addresses[0].ToString(), reply, StringComparison.Ordinal);
        }
        var seenReplicas = new HashSet<string>();
        await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_pod_role",
            ("service", "replicas"), ("pod", "redis-2"), ("role", "replica")) == 1, "redis-2 seen as replica", Ct);
        for (var i = 0; i < 6; i++)
        {
            var reply = await RedisAsync(replicaListen, "CONFIG GET bind");
            Assert.DoesNotContain(addresses[0].ToString(), reply, StringComparison.Ordinal);
            seenReplicas.Add(reply.Contains(addresses[1].ToString(), StringComparison.Ordinal) ? "redis-1" : "redis-2");
        }
        Assert.Equal(2, seenReplicas.Count);
        var peers = await sidecar.PeersAsync("primary", Ct);
        Assert.Equal("primary", peers.GetProperty("pods")[0].GetProperty("role").GetString());
        Assert.Equal("replica", peers.GetProperty("pods")[1].GetProperty("role").GetString());

        // Promote redis-1, demote redis-0: new connections follow within a probe interval or so.
        Assert.Contains("OK", await RedisAsync(redis1.EndPoint, "REPLICAOF NO ONE"), StringComparison.Ordinal);
        Assert.Contains("OK", await RedisAsync(redis0.EndPoint, $"REPLICAOF {addresses[1]} {I(port)}"), StringComparison.Ordinal);
        await sidecar.WaitUntilAsync(async ct => (await RedisAsync(primaryListen, "CONFIG GET bind")).Contains(addresses[1].ToString(), StringComparison.Ordinal),
            "primary connections on redis-1", Ct);
        // The move is counted when the probe round that saw it ends, which can be just after the first connection
        // already went to redis-1.
        await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_failovers_total",
            ("service", "primary"), ("from_pod", "redis-0"), ("to_pod", "redis-1"), ("reason", "role_change")) is not null, "role_change counted", Ct);
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_failovers_total", ("service", "primary"), ("from_pod", "redis-0"), ("to_pod", "redis-1"), ("reason", "role_change")));
        var (exit, output) = await Promtool.CheckMetricsAsync(metrics, Ct);
        Assert.True(exit == 0, output);
    }
}
