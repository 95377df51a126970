using System.Text;

namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// MySQL and MariaDB. Without credentials: a well-formed protocol v10 handshake is healthy, an ERR packet in
/// its place (too many connections, host blocked) is not. With credentials: a <c>mysql_native_password</c>
/// login (following an AuthSwitchRequest to it), then <c>SELECT @@read_only</c> (0 = primary, 1 = replica)
/// and <c>COM_QUIT</c>.
/// </summary>
/// <remarks>
/// A server counts a connection that ends inside the handshake toward <c>max_connect_errors</c> and blocks
/// the host past it (until <c>FLUSH HOSTS</c>) unless a successful login comes in between; frequent probes
/// without credentials can therefore get the sidecar blocked. Credentials avoid that.
/// </remarks>
internal sealed class MySqlProbe : IProtocolProbe
{
    private const string Protocol = "MySQL";
    private const byte OkHeader = 0x00;
    private const byte EofHeader = 0xFE;
    private const byte ErrHeader = 0xFF;
    private const byte AuthMoreDataHeader = 0x01;
    private const byte ComQuit = 0x01;
    private const byte ComQuery = 0x03;
    private const int MaxColumns = 16;
    private const int MaxRows = 16;

    private const MySqlCapabilities ClientCapabilities =
        MySqlCapabilities.LongPassword | MySqlCapabilities.Protocol41 | MySqlCapabilities.Transactions |
        MySqlCapabilities.SecureConnection | MySqlCapabilities.PluginAuth;

    // COM_QUIT as a whole packet: length 1, sequence 0.
    private static readonly byte[] QuitPacket = [0x01, 0x00, 0x00, 0x00, ComQuit];

    // utf8_general_ci: known to every MySQL and MariaDB version.
    private const byte CharacterSet = 33;

    public static MySqlProbe Instance { get; } = new();

    public ValueTask<ProbeResult> ProbeAsync(Stream connection, ProbeCredentials? credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ProbeExchange.RunAsync(Protocol, ct => ExchangeAsync(connection, credentials, ct), cancellationToken);
    }

    private static async ValueTask<ProbeResult> ExchangeAsync(Stream connection, ProbeCredentials? credentials, CancellationToken cancellationToken)
    {
        var channel = new MySqlPacketChannel(connection);
        var first = await channel.ReadPacketAsync(cancellationToken);
        if (first is [ErrHeader, ..])
        {
            return ProbeResult.Fail($"{Protocol}: server refused the connection: {DescribeError(first)}");
        }

        var handshake = MySqlHandshake.Parse(first);
        if (credentials is null)
        {
            return ProbeResult.Pass();
        }

        if (!handshake.Capabilities.HasFlag(MySqlCapabilities.Protocol41 | MySqlCapabilities.SecureConnection))
        {
            return ProbeResult.Fail($"{Protocol}: server {handshake.ServerVersion} lacks the 4.1 protocol needed to log in");
        }

        await channel.WritePacketAsync(HandshakeResponse(handshake, credentials), cancellationToken);
        if (await LoginAnswerAsync(channel, credentials, cancellationToken) is { } loginFailure)
        {
            return ProbeResult.Fail($"{Protocol}: {loginFailure}");
        }

        channel.ResetSequence();
        await channel.WritePacketAsync(Command(ComQuery, "SELECT @@read_only"), cancellationToken);
        var readOnly = await ReadSingleValueAsync(channel, cancellationToken);

        await ProbeExchange.SendFarewellAsync(connection, QuitPacket, cancellationToken);

        return readOnly switch
        {
            "0" => ProbeResult.Pass(PodRole.Primary),
            "1" => ProbeResult.Pass(PodRole.Replica),
            _ => ProbeResult.Pass(),
        };
    }

    private static byte[] HandshakeResponse(MySqlHandshake handshake, ProbeCredentials credentials)
    {
        var pluginAuth = handshake.Capabilities.HasFlag(MySqlCapabilities.PluginAuth);
        var capabilities = pluginAuth ? ClientCapabilities : ClientCapabilities & ~MySqlCapabilities.PluginAuth;
        var scramble = MySqlNativePassword.Scramble(credentials.Password, handshake.Nonce);
        var user = Encoding.UTF8.GetBytes(credentials.User);

        using var payload = new MemoryStream();
        Span<byte> fixedPart = stackalloc byte[32];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(fixedPart, (uint)capabilities);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(fixedPart[4..], 16 * 1024 * 1024);
        fixedPart[8] = CharacterSet;
        payload.Write(fixedPart); // the rest is 23 reserved zero bytes
        payload.Write(user);
        payload.WriteByte(0);
        payload.WriteByte((byte)scramble.Length);
        payload.Write(scramble);
        if (pluginAuth)
        {
            payload.Write(Encoding.ASCII.GetBytes(MySqlNativePassword.PluginName));
            payload.WriteByte(0);
        }

        return payload.ToArray();
    }

    /// <summary>Reads the login's outcome, answering one AuthSwitchRequest; null when logged in, else why not.</summary>
    private static async ValueTask<string?> LoginAnswerAsync(MySqlPacketChannel channel, ProbeCredentials credentials, CancellationToken cancellationToken)
    {
        var switched = false;
        while (true)
        {
            var packet = await channel.ReadPacketAsync(cancellationToken);
            switch (packet)
            {
                case [OkHeader, ..]:
                    return null;
                case [ErrHeader, ..]:
                    return $"login refused: {DescribeError(packet)}";
                case [EofHeader, ..] when !switched:
                    {
                        switched = true;
                        var reader = new MySqlPayloadReader(packet.AsSpan(1));
                        var plugin = reader.ReadNullTerminatedString();
                        if (plugin != MySqlNativePassword.PluginName)
                        {
                            return $"server asks for auth plugin '{Truncate(plugin)}'; only {MySqlNativePassword.PluginName} is supported";
                        }

                        var nonce = reader.ReadRest();
                        if (nonce.Length > 0 && nonce[^1] == 0)
                        {
                            nonce = nonce[..^1];
                        }

                        await channel.WritePacketAsync(MySqlNativePassword.Scramble(credentials.Password, nonce), cancellationToken);
                        break;
                    }

                case [AuthMoreDataHeader, ..]:
                    return $"server wants more authentication data than {MySqlNativePassword.PluginName} gives";
                default:
                    throw new ProbeProtocolException("unexpected packet during login");
            }
        }
    }

    /// <summary>
    /// Reads a text resultset of one column and returns its first row's value (null for no row, SQL NULL or an
    /// ERR answer: the server logged us in, so it is healthy, but its role is unknown).
    /// </summary>
    private static async ValueTask<string?> ReadSingleValueAsync(MySqlPacketChannel channel, CancellationToken cancellationToken)
    {
        var header = await channel.ReadPacketAsync(cancellationToken);
        if (header is [ErrHeader, ..])
        {
            return null;
        }

        var headerReader = new MySqlPayloadReader(header);
        var columns = headerReader.ReadLengthEncodedInteger();
        if (columns is null or 0 or > MaxColumns || headerReader.Remaining != 0)
        {
            throw new ProbeProtocolException("malformed resultset header");
        }

        for (var i = 0UL; i < columns; i++)
        {
            _ = await channel.ReadPacketAsync(cancellationToken); // column definition
        }

        if (!IsEof(await channel.ReadPacketAsync(cancellationToken)))
        {
            throw new ProbeProtocolException("column definitions not followed by EOF");
        }

        string? value = null;
        for (var rows = 0; ; rows++)
        {
            var packet = await channel.ReadPacketAsync(cancellationToken);
            if (IsEof(packet))
            {
                return value;
            }

            if (packet is [ErrHeader, ..])
            {
                return null;
            }

            if (rows >= MaxRows)
            {
                throw new ProbeProtocolException($"more than {MaxRows} rows");
            }

            if (rows == 0)
            {
                var row = new MySqlPayloadReader(packet);
                value = row.ReadLengthEncodedString();
            }
        }
    }

    private static bool IsEof(byte[] packet) => packet is [EofHeader, ..] && packet.Length < 9;

    private static byte[] Command(byte command, string text)
    {
        var payload = new byte[1 + Encoding.UTF8.GetByteCount(text)];
        payload[0] = command;
        Encoding.UTF8.GetBytes(text, payload.AsSpan(1));
        return payload;
    }

    /// <summary>"[1040] Too many connections": an ERR packet's code and message (with or without its SQL state).</summary>
    internal static string DescribeError(ReadOnlySpan<byte> packet)
    {
        var reader = new MySqlPayloadReader(packet[1..]);
        if (reader.Remaining < 2)
        {
            return "ERR packet without an error code";
        }

        var code = reader.ReadUInt16();
        var message = reader.ReadRest();
        if (message is [(byte)'#', _, _, _, _, _, ..])
        {
            message = message[6..];
        }

        return $"[{code}] {Truncate(Encoding.UTF8.GetString(message))}";
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
