using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.Tests.Health.Probes;

public class ZooKeeperProbeTests
{
    private static readonly byte[] Srvr = "srvr"u8.ToArray();

    private static string SrvrAnswer(string mode) =>
        "Zookeeper version: 3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC\n" +
        "Latency min/avg/max: 0/0.4286/3\n" +
        "Received: 15\n" +
        "Sent: 14\n" +
        "Connections: 1\n" +
        "Outstanding: 0\n" +
        "Zxid: 0x100000004\n" +
        $"Mode: {mode}\n" +
        "Node count: 5\n";

    [Theory]
    [InlineData("leader", "Primary")]
    [InlineData("standalone", "Primary")]
    [InlineData("follower", "Replica")]
    [InlineData("observer", "Replica")]
    [InlineData("read-only", "Unknown")]
    public async Task ProbeAsync_SrvrAnswer_HealthyWithRole(string mode, string role)
    {
        var result = await ScriptedServer.ProbeAsync(ZooKeeperProbe.Instance, ScriptedServer.Answer(Srvr, ScriptedServer.Ascii(SrvrAnswer(mode))));

        Assert.Equal(ProbeResult.Pass(Enum.Parse<PodRole>(role)), result);
    }

    [Theory]
    [InlineData("srvr is not executed because it is not in the whitelist.\n", "whitelist")]
    [InlineData("This ZooKeeper instance is not currently serving requests\n", "not currently serving")]
    [InlineData("", "empty answer")]
    [InlineData("imok", "without 'Zookeeper version:'")]
    [InlineData("\u0000\u0001garbage\u00ff", "without 'Zookeeper version:'")]
    public async Task ProbeAsync_RefusalOrGarbage_Unhealthy(string answer, string reason)
    {
        var result = await ScriptedServer.ProbeAsync(ZooKeeperProbe.Instance, ScriptedServer.Answer(Srvr, ScriptedServer.Ascii(answer)));

        Assert.False(result.Healthy);
        Assert.Contains(reason, result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_EndlessAnswer_UnhealthyWithBoundedRead()
    {
        var result = await ScriptedServer.ProbeAsync(ZooKeeperProbe.Instance, async stream =>
        {
            await ScriptedServer.ReadExactlyAsync(stream, Srvr.Length);
            var chunk = ScriptedServer.Ascii(SrvrAnswer("leader"));
            for (var i = 0; i < 1000; i++)
            {
                await stream.WriteAsync(chunk);
            }
        });

        Assert.False(result.Healthy);
        Assert.Contains("longer than", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_NoEndOfStream_ThrowsOperationCanceled() =>
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ScriptedServer.ProbeAsync(
            ZooKeeperProbe.Instance,
            async stream =>
            {
                await ScriptedServer.ReadExactlyAsync(stream, Srvr.Length);
                await stream.WriteAsync(ScriptedServer.Ascii(SrvrAnswer("leader")));
                await stream.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false);
            },
            timeout: TimeSpan.FromMilliseconds(200)));
}
