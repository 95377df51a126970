using System.Text;
using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.Tests.Health.Probes;

public class RedisProbeTests
{
    private static readonly byte[] Ping = Ascii("*1\r\n$4\r\nPING\r\n");
    private static readonly byte[] Role = Ascii("*1\r\n$4\r\nROLE\r\n");

    private const string MasterRole = "*3\r\n$6\r\nmaster\r\n:3129659\r\n*2\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n9001\r\n$7\r\n3129242\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n9002\r\n$7\r\n3129543\r\n";
    private const string ReplicaRole = "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:9000\r\n$9\r\nconnected\r\n:3167038\r\n";

    [Theory]
    [InlineData(MasterRole, "Primary")]
    [InlineData(ReplicaRole, "Replica")]
    [InlineData("*2\r\n$7\r\nreplica\r\n:0\r\n", "Replica")]
    [InlineData("*2\r\n$8\r\nsentinel\r\n*0\r\n", "Unknown")]
    [InlineData("-NOPERM this user has no permissions to run the 'role' command\r\n", "Unknown")]
    public async Task ProbeAsync_PongThenRole_HealthyWithRole(string roleReply, string expected)
    {
        var result = await ScriptedServer.ProbeAsync(RedisProbe.Instance, async stream =>
        {
            await ScriptedServer.Answer(Ping, Ascii("+PONG\r\n"))(stream);
            await ScriptedServer.Answer(Role, Ascii(roleReply))(stream);
        });

        Assert.Equal(new ProbeResult(true, Enum.Parse<PodRole>(expected), null), result);
    }

    [Fact]
    public async Task ProbeAsync_UserCredentials_SendsAuthWithUser()
    {
        var result = await ScriptedServer.ProbeAsync(RedisProbe.Instance, async stream =>
        {
            await ScriptedServer.Answer(Ascii("*3\r\n$4\r\nAUTH\r\n$5\r\nprobe\r\n$8\r\np@ss w:d\r\n"), Ascii("+OK\r\n"))(stream);
            await ScriptedServer.Answer(Ping, Ascii("+PONG\r\n"))(stream);
            await ScriptedServer.Answer(Role, Ascii(MasterRole))(stream);
        }, new ProbeCredentials("probe", "p@ss w:d"));

        Assert.Equal(ProbeResult.Pass(PodRole.Primary), result);
    }

    [Theory]
    [InlineData("")]
    [InlineData("default")]
    public async Task ProbeAsync_DefaultUser_SendsAuthWithPasswordOnly(string user)
    {
        var result = await ScriptedServer.ProbeAsync(RedisProbe.Instance, async stream =>
        {
            await ScriptedServer.Answer(Ascii("*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n"), Ascii("+OK\r\n"))(stream);
            await ScriptedServer.Answer(Ping, Ascii("+PONG\r\n"))(stream);
            await ScriptedServer.Answer(Role, Ascii(ReplicaRole))(stream);
        }, new ProbeCredentials(user, "secret"));

        Assert.Equal(ProbeResult.Pass(PodRole.Replica), result);
    }

    [Fact]
    public async Task ProbeAsync_WrongPassword_UnhealthyWithoutPassword()
    {
        var result = await ScriptedServer.ProbeAsync(
            RedisProbe.Instance,
            ScriptedServer.Answer(Ascii("*3\r\n$4\r\nAUTH\r\n$5\r\nprobe\r\n$6\r\nhunter\r\n"), Ascii("-WRONGPASS invalid username-password pair or user is disabled.\r\n")),
            new ProbeCredentials("probe", "hunter"));

        Assert.False(result.Healthy);
        Assert.Contains("WRONGPASS", result.Failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_AuthOnServerWithoutPassword_PingDecides()
    {
        var result = await ScriptedServer.ProbeAsync(RedisProbe.Instance, async stream =>
        {
            await ScriptedServer.Answer(
                Ascii("*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n"),
                Ascii("-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"))(stream);
            await ScriptedServer.Answer(Ping, Ascii("+PONG\r\n"))(stream);
            await ScriptedServer.Answer(Role, Ascii(MasterRole))(stream);
        }, new ProbeCredentials("default", "secret"));

        Assert.Equal(ProbeResult.Pass(PodRole.Primary), result);
    }

    [Fact]
    public async Task ProbeAsync_NoAuth_UnhealthyNamingCredentialsFile()
    {
        var result = await ScriptedServer.ProbeAsync(RedisProbe.Instance, ScriptedServer.Answer(Ping, Ascii("-NOAUTH Authentication required.\r\n")));

        Assert.False(result.Healthy);
        Assert.Contains("NOAUTH", result.Failure, StringComparison.Ordinal);
        Assert.Contains("CredentialsFile", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_Loading_UnhealthyWithMessage()
    {
        var result = await ScriptedServer.ProbeAsync(RedisProbe.Instance, ScriptedServer.Answer(Ping, Ascii("-LOADING Redis is loading the dataset in memory\r\n")));

        Assert.False(result.Healthy);
        Assert.Contains("LOADING Redis is loading", result.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+PONG")]                                  // no CRLF, then EOF
    [InlineData("+PONG\n")]                                // bare LF
    [InlineData("+PANG\r\n")]
    [InlineData("$4\r\nPONG\r\n")]                         // a bulk string is not the simple-string PONG
    [InlineData("HTTP/1.1 400 Bad Request\r\n\r\n")]
    [InlineData("")]                                       // EOF at once
    [InlineData(":12a\r\n")]
    [InlineData("*-2\r\n")]
    [InlineData("\r\n")]
    public async Task ProbeAsync_BadPingAnswer_Unhealthy(string reply)
    {
        var result = await ScriptedServer.ProbeAsync(RedisProbe.Instance, ScriptedServer.Answer(Ping, Ascii(reply)));

        Assert.False(result.Healthy);
        Assert.StartsWith("Redis: ", result.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*1\r\n$999999999\r\n")]                   // bulk length far past the bound: refused before reading
    [InlineData("*2000000000\r\n")]                        // array length past the bound
    [InlineData("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n")]   // nested too deep
    [InlineData("*1\r\n$6\r\nmaster\r\n")]                 // a ROLE array of one element is well-formed
    [InlineData("*3\r\n$6\r\nmaster\r\n:1\r\n")]           // EOF inside the array
    [InlineData("*1\r\n$6\r\nmasterXY")]                   // bulk not ended by CRLF
    [InlineData(":42\r\n")]                                // not an array
    [InlineData("*0\r\n")]                                 // empty array
    public async Task ProbeAsync_HostileRoleAnswer_UnhealthyOrUnknown(string reply)
    {
        var result = await ScriptedServer.ProbeAsync(RedisProbe.Instance, async stream =>
        {
            await ScriptedServer.Answer(Ping, Ascii("+PONG\r\n"))(stream);
            await ScriptedServer.Answer(Role, Ascii(reply))(stream);
        });

        // A one-element ROLE array naming master is well-formed; everything else here is not.
        if (reply == "*1\r\n$6\r\nmaster\r\n")
        {
            Assert.Equal(ProbeResult.Pass(PodRole.Primary), result);
        }
        else
        {
            Assert.False(result.Healthy);
        }
    }

    [Fact]
    public async Task ProbeAsync_EndlessLine_UnhealthyWithBoundedRead()
    {
        var result = await ScriptedServer.ProbeAsync(RedisProbe.Instance, async stream =>
        {
            await ScriptedServer.ReadExactlyAsync(stream, Ping.Length);
            var chunk = Encoding.ASCII.GetBytes("+" + new string('A', 64 * 1024));
            for (var i = 0; i < 64; i++)
            {
                await stream.WriteAsync(chunk);
            }
        });

        Assert.False(result.Healthy);
        Assert.Contains("line longer than", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_ManyMaximalBulkStrings_UnhealthyPastReplyBound()
    {
        var result = await ScriptedServer.ProbeAsync(RedisProbe.Instance, async stream =>
        {
            await ScriptedServer.Answer(Ping, Ascii("+PONG\r\n"))(stream);
            await ScriptedServer.ReadExactlyAsync(stream, Role.Length);
            await stream.WriteAsync(Ascii("*1000\r\n"));
            var bulk = Ascii($"${RespReader.MaxBulkLength}\r\n" + new string('x', RespReader.MaxBulkLength) + "\r\n");
            for (var i = 0; i < 8; i++)
            {
                await stream.WriteAsync(bulk);
            }
        });

        Assert.False(result.Healthy);
        Assert.Contains("larger than", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_NestedArraysDeclaringMaximalLengths_UnhealthyBeforeAllocating()
    {
        // Each line declares 1024 elements and delivers one more array: memory would grow per line, bytes hardly.
        var reply = string.Concat(Enumerable.Repeat($"*{RespReader.MaxArrayLength}\r\n", 64));
        var connection = new ReplayStream(Ascii("+PONG\r\n" + reply));

        var result = await RedisProbe.Instance.ProbeAsync(connection, null, TestContext.Current.CancellationToken);

        Assert.False(result.Healthy);
    }

    [Fact]
    public async Task ProbeAsync_SilentServer_ThrowsOperationCanceled()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ScriptedServer.ProbeAsync(
            RedisProbe.Instance,
            async stream => await stream.ReadAtLeastAsync(new byte[64], 64, throwOnEndOfStream: false),
            timeout: TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void EncodeCommand_Utf8Arguments_CountsBytes() =>
        Assert.Equal(Encoding.UTF8.GetBytes("*2\r\n$4\r\nAUTH\r\n$2\r\né\r\n"), RespReader.EncodeCommand("AUTH", "é"));

    private static byte[] Ascii(string text) => ScriptedServer.Ascii(text);
}
