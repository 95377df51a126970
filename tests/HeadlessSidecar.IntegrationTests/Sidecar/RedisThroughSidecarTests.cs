using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Probes;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>What a Redis client on localhost does through the sidecar: a given ordinal, any replica, and a replica restart.</summary>
public sealed class RedisThroughSidecarTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<string> BindAddressAsync(IPEndPoint endPoint)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endPoint, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync("*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\nbind\r\n"u8.ToArray(), Ct);
        var buffer = new byte[1024];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        var reply = Encoding.ASCII.GetString(buffer, 0, read);
        return reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[^1];
    }

    [Fact]
    public async Task ReplicaRestart_ReplicaServiceKeepsAnswering_OrdinalPortReachesThatPod()
    {
        var addresses = LoopbackAddresses.Next(3);
        var port = LoopbackAddresses.FreePort(addresses);
        await using var redis0 = await ProbeTarget.StartRedisAsync([], addresses[0], port, Ct);
        await using var redis1 = await ProbeTarget.StartRedisAsync(["--replicaof", addresses[0].ToString(), I(port)], addresses[1], port, Ct);
        var redis2 = await ProbeTarget.StartRedisAsync(["--replicaof", addresses[0].ToString(), I(port)], addresses[2], port, Ct);
        try
        {
            var zone = new ClusterZone { Ttl = 1 };
            var service = zone.AddService("redis-headless", "default", ("redis", port));
            for (var i = 0; i < 3; i++)
            {
                service.AddPod($"redis-{i}", addresses[i]);
            }
            await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
            var ordinalBase = LoopbackAddresses.FreePort(IPAddress.Loopback);
            await using var sidecar = await TestSidecar.StartAsync(dns.EndPoint, s =>
            {
                s["Sidecar:Services:web:Host"] = "redis-headless";
                s["Sidecar:Services:web:PortName"] = "redis";
                s["Sidecar:Services:web:Protocol"] = "Tcp";
                s["Sidecar:Services:web:Role"] = "Replica";
                s["Sidecar:Services:web:OrdinalPortBase"] = I(ordinalBase);
                s["Sidecar:Services:web:Health:Check"] = "Redis";
                s["Sidecar:Services:web:Health:ProbeInterval"] = "200ms";
                s["Sidecar:Services:web:Health:ProbeTimeout"] = "200ms";
            }, cancellationToken: Ct);
            await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_pod_role",
                ("pod", "redis-2"), ("role", "replica")) == 1, "redis-2 seen as a replica", Ct);

            // A given ordinal, whatever its role.
            await sidecar.WaitUntilAsync(ct => Poll.AcceptsTcpAsync(new IPEndPoint(IPAddress.Loopback, ordinalBase), ct), "ordinal port 0", Ct);
            Assert.Equal(addresses[0].ToString(), await BindAddressAsync(new IPEndPoint(IPAddress.Loopback, ordinalBase)));
            Assert.Equal(addresses[2].ToString(), await BindAddressAsync(new IPEndPoint(IPAddress.Loopback, ordinalBase + 2)));

            // redis-2 dies: every new connection still reaches a replica (redis-1), never the primary.
            await redis2.DisposeAsync();
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(addresses[1].ToString(), await BindAddressAsync(sidecar.Listen));
            }

            // It comes back at the same address: once a probe sees it as a replica again, it serves again.
            redis2 = await ProbeTarget.StartRedisAsync(["--replicaof", addresses[0].ToString(), I(port)], addresses[2], port, Ct);
            await sidecar.WaitUntilAsync(async ct => await BindAddressAsync(sidecar.Listen) == addresses[2].ToString(), "redis-2 serving again", Ct);
        }
        finally
        {
            await redis2.DisposeAsync();
        }
    }
}
