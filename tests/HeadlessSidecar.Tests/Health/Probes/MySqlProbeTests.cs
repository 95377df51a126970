using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.Tests.Health.Probes;

public class MySqlProbeTests
{
    private static readonly ProbeCredentials Credentials = new("probe", "secret");

    [Fact]
    public void Scramble_KnownVector_MatchesReference() =>
        Assert.Equal(Convert.FromHexString("b32bb3a583e1340c0a1108d58b1be49781ad8c2f"), MySqlNativePassword.Scramble("secret", MySqlPackets.Nonce));

    [Fact]
    public void Scramble_EmptyPassword_Empty() => Assert.Empty(MySqlNativePassword.Scramble("", MySqlPackets.Nonce));

    [Fact]
    public void Parse_RealHandshake_ReadsNonceAndPlugin()
    {
        var handshake = MySqlHandshake.Parse(MySqlPackets.Handshake("11.4.2-MariaDB-deb12").AsSpan(4));

        Assert.Equal("11.4.2-MariaDB-deb12", handshake.ServerVersion);
        Assert.Equal(11u, handshake.ConnectionId);
        Assert.Equal(MySqlPackets.Nonce, handshake.Nonce);
        Assert.Equal("mysql_native_password", handshake.AuthPluginName);
    }

    [Fact]
    public async Task ProbeAsync_HandshakeWithoutCredentials_Healthy()
    {
        var result = await ScriptedServer.ProbeAsync(MySqlProbe.Instance, async stream => await stream.WriteAsync(MySqlPackets.Handshake()));

        Assert.Equal(ProbeResult.Pass(), result);
    }

    [Theory]
    [InlineData(1040, "Too many connections")]
    [InlineData(1129, "Host '10.0.0.7' is blocked because of many connection errors; unblock with 'mysqladmin flush-hosts'")]
    public async Task ProbeAsync_ErrInsteadOfHandshake_UnhealthyWithMessage(int code, string message)
    {
        var result = await ScriptedServer.ProbeAsync(
            MySqlProbe.Instance,
            async stream => await stream.WriteAsync(MySqlPackets.Error(0, (ushort)code, message, sqlState: false)));

        Assert.False(result.Healthy);
        Assert.Equal($"MySQL: server refused the connection: [{code}] {message}", result.Failure);
    }

    [Theory]
    [InlineData("0", "Primary")]
    [InlineData("1", "Replica")]
    [InlineData(null, "Unknown")]
    public async Task ProbeAsync_LoginThenReadOnly_HealthyWithRole(string? readOnly, string role)
    {
        var result = await ScriptedServer.ProbeAsync(MySqlProbe.Instance, async stream =>
        {
            await stream.WriteAsync(MySqlPackets.Handshake());
            var response = await ReadPacketAsync(stream);
            Assert.Equal(1, response.Sequence);
            AssertHandshakeResponse(response.Payload, MySqlNativePassword.Scramble("secret", MySqlPackets.Nonce));
            await stream.WriteAsync(MySqlPackets.Ok(2));
            Assert.Equal(MySqlPackets.Query, await ScriptedServer.ReadExactlyAsync(stream, MySqlPackets.Query.Length));
            await stream.WriteAsync(MySqlPackets.ReadOnlyResultSet(readOnly));
            Assert.Equal(MySqlPackets.Quit, await ScriptedServer.ReadExactlyAsync(stream, MySqlPackets.Quit.Length));
        }, Credentials);

        Assert.Equal(ProbeResult.Pass(Enum.Parse<PodRole>(role)), result);
    }

    [Fact]
    public async Task ProbeAsync_AuthSwitchToNative_AnswersNewNonce()
    {
        byte[] switchNonce = [.. Enumerable.Range(100, 20).Select(i => (byte)i)];
        var result = await ScriptedServer.ProbeAsync(MySqlProbe.Instance, async stream =>
        {
            await stream.WriteAsync(MySqlPackets.Handshake(plugin: "caching_sha2_password"));
            _ = await ReadPacketAsync(stream);
            await stream.WriteAsync(MySqlPackets.Packet(2, [0xFE, .. "mysql_native_password"u8, 0x00, .. switchNonce, 0x00]));
            var answer = await ReadPacketAsync(stream);
            Assert.Equal(3, answer.Sequence);
            Assert.Equal(MySqlNativePassword.Scramble("secret", switchNonce), answer.Payload);
            await stream.WriteAsync(MySqlPackets.Ok(4));
            _ = await ScriptedServer.ReadExactlyAsync(stream, MySqlPackets.Query.Length);
            await stream.WriteAsync(MySqlPackets.ReadOnlyResultSet("1"));
        }, Credentials);

        Assert.Equal(ProbeResult.Pass(PodRole.Replica), result);
    }

    [Fact]
    public async Task ProbeAsync_AuthSwitchToOtherPlugin_Unhealthy()
    {
        var result = await ScriptedServer.ProbeAsync(MySqlProbe.Instance, async stream =>
        {
            await stream.WriteAsync(MySqlPackets.Handshake());
            _ = await ReadPacketAsync(stream);
            await stream.WriteAsync(MySqlPackets.Packet(2, [0xFE, .. "caching_sha2_password"u8, 0x00, .. MySqlPackets.Nonce, 0x00]));
        }, Credentials);

        Assert.False(result.Healthy);
        Assert.Contains("caching_sha2_password", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_AccessDenied_UnhealthyWithoutPassword()
    {
        var result = await ScriptedServer.ProbeAsync(MySqlProbe.Instance, async stream =>
        {
            await stream.WriteAsync(MySqlPackets.Handshake());
            _ = await ReadPacketAsync(stream);
            await stream.WriteAsync(MySqlPackets.Error(2, 1045, "Access denied for user 'probe'@'10.0.0.7' (using password: YES)"));
        }, Credentials);

        Assert.False(result.Healthy);
        Assert.Equal("MySQL: login refused: [1045] Access denied for user 'probe'@'10.0.0.7' (using password: YES)", result.Failure);
        Assert.DoesNotContain("secret", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_QueryError_HealthyRoleUnknown()
    {
        var result = await ScriptedServer.ProbeAsync(MySqlProbe.Instance, async stream =>
        {
            await stream.WriteAsync(MySqlPackets.Handshake());
            _ = await ReadPacketAsync(stream);
            await stream.WriteAsync(MySqlPackets.Ok(2));
            _ = await ScriptedServer.ReadExactlyAsync(stream, MySqlPackets.Query.Length);
            await stream.WriteAsync(MySqlPackets.Error(1, 1227, "Access denied; you need the SUPER privilege"));
        }, Credentials);

        Assert.Equal(ProbeResult.Pass(), result);
    }

    [Fact]
    public async Task ProbeAsync_ResetBeforeQuit_StillHealthy()
    {
        var connection = new ReplayStream([.. MySqlPackets.Handshake(), .. MySqlPackets.Ok(2), .. MySqlPackets.ReadOnlyResultSet("0")], failWritesAfter: 2);

        var result = await MySqlProbe.Instance.ProbeAsync(connection, Credentials, TestContext.Current.CancellationToken);

        Assert.Equal(ProbeResult.Pass(PodRole.Primary), result);
        Assert.Equal(MySqlPackets.Query, connection.Written.ToArray()[^MySqlPackets.Query.Length..]);
    }

    public static TheoryData<string, byte[]> HostileFirstPackets => new()
    {
        { "empty", [] },
        { "truncated header", [0x4A, 0x00] },
        { "oversized length", [0xFF, 0xFF, 0xFF, 0x00, 0x0A] },
        { "wrong sequence", MySqlPackets.Packet(3, 0x0A) },
        { "protocol 9", MySqlPackets.Packet(0, [0x09, .. "3.22"u8, 0x00]) },
        { "version without NUL", MySqlPackets.Packet(0, [0x0A, .. "8.0.36"u8]) },
        { "truncated payload", MySqlPackets.Handshake()[..40] },
        { "cut after nonce", MySqlPackets.Packet(0, [0x0A, .. "8.0"u8, 0x00, 1, 0, 0, 0, 1, 2, 3]) },
        { "HTTP answer", "HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray() },
        { "garbage", [.. Enumerable.Repeat((byte)0xA5, 64)] },
    };

    [Theory]
    [MemberData(nameof(HostileFirstPackets))]
    public async Task ProbeAsync_HostileFirstPacket_Unhealthy(string name, byte[] bytes)
    {
        var result = await ScriptedServer.ProbeAsync(MySqlProbe.Instance, async stream => await stream.WriteAsync(bytes));

        Assert.False(result.Healthy, name);
        Assert.StartsWith("MySQL: ", result.Failure, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[]> HostileResultSets => new()
    {
        { "no rows, EOF missing", MySqlPackets.Packet(1, 0x01) },
        { "column count 0", MySqlPackets.Packet(1, 0x00) },
        { "huge column count", MySqlPackets.Packet(1, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F) },
        { "row string past packet", [.. MySqlPackets.ReadOnlyResultSet("0")[..^15], .. MySqlPackets.Packet(4, 0x09, (byte)'0'), .. MySqlPackets.Eof(5)] },
        { "endless rows", [.. MySqlPackets.ReadOnlyResultSet("0")[..^9], .. Enumerable.Range(5, 40).SelectMany(i => MySqlPackets.Packet((byte)i, 0x01, (byte)'0'))] },
    };

    [Theory]
    [MemberData(nameof(HostileResultSets))]
    public async Task ProbeAsync_HostileResultSet_Unhealthy(string name, byte[] bytes)
    {
        var result = await ScriptedServer.ProbeAsync(MySqlProbe.Instance, async stream =>
        {
            await stream.WriteAsync(MySqlPackets.Handshake());
            _ = await ReadPacketAsync(stream);
            await stream.WriteAsync(MySqlPackets.Ok(2));
            _ = await ScriptedServer.ReadExactlyAsync(stream, MySqlPackets.Query.Length);
            await stream.WriteAsync(bytes);
        }, Credentials);

        Assert.False(result.Healthy, name);
    }

    private static void AssertHandshakeResponse(byte[] payload, byte[] scramble)
    {
        var capabilities = BitConverter.ToUInt32(payload, 0);
        Assert.NotEqual(0u, capabilities & 0x200);   // CLIENT_PROTOCOL_41
        Assert.NotEqual(0u, capabilities & 0x8000);  // CLIENT_SECURE_CONNECTION
        Assert.Equal(new byte[23], payload[9..32]);
        var userEnd = Array.IndexOf(payload, (byte)0, 32);
        Assert.Equal("probe", Encoding.UTF8.GetString(payload, 32, userEnd - 32));
        Assert.Equal(scramble.Length, payload[userEnd + 1]);
        Assert.Equal(scramble, payload[(userEnd + 2)..(userEnd + 2 + scramble.Length)]);
        Assert.Equal("mysql_native_password\0", Encoding.ASCII.GetString(payload[(userEnd + 2 + scramble.Length)..]));
    }

    private static async Task<(int Sequence, byte[] Payload)> ReadPacketAsync(NetworkStream stream)
    {
        var header = await ScriptedServer.ReadExactlyAsync(stream, 4);
        var payload = await ScriptedServer.ReadExactlyAsync(stream, header[0] | (header[1] << 8) | (header[2] << 16));
        return (header[3], payload);
    }
}
