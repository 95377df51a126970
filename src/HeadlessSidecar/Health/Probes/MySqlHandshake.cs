namespace HeadlessSidecar.Health.Probes;

/// <summary>The fields of a protocol v10 initial handshake packet that a login needs.</summary>
internal sealed record MySqlHandshake(string ServerVersion, uint ConnectionId, MySqlCapabilities Capabilities, byte[] Nonce, string? AuthPluginName)
{
    public const byte ProtocolVersion = 10;

    /// <summary>Parses a v10 handshake strictly; anything malformed throws <see cref="ProbeProtocolException"/>.</summary>
    public static MySqlHandshake Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new MySqlPayloadReader(payload);
        var version = reader.ReadByte();
        if (version != ProtocolVersion)
        {
            throw new ProbeProtocolException($"MySQL handshake protocol version {version}, expected {ProtocolVersion}");
        }

        var serverVersion = reader.ReadNullTerminatedString();
        var connectionId = reader.ReadUInt32();
        var nonce = reader.ReadBytes(8).ToArray();
        if (reader.ReadByte() != 0)
        {
            throw new ProbeProtocolException("MySQL handshake filler byte is not 0");
        }

        var capabilities = (MySqlCapabilities)reader.ReadUInt16();
        if (reader.Remaining == 0)
        {
            return new MySqlHandshake(serverVersion, connectionId, capabilities, nonce, null);
        }

        _ = reader.ReadByte(); // character set
        _ = reader.ReadUInt16(); // status flags
        capabilities |= (MySqlCapabilities)((uint)reader.ReadUInt16() << 16);
        var nonceLength = reader.ReadByte();
        _ = reader.ReadBytes(10); // reserved (MariaDB's extended capabilities in the last 4)
        if (capabilities.HasFlag(MySqlCapabilities.SecureConnection))
        {
            // Part 2 is at least 13 bytes and ends with a NUL that is not part of the nonce.
            var part2Length = Math.Max(13, nonceLength - 8);
            var part2 = reader.ReadBytes(part2Length);
            if (part2[^1] == 0)
            {
                part2 = part2[..^1];
            }

            nonce = [.. nonce, .. part2];
        }

        string? plugin = null;
        if (capabilities.HasFlag(MySqlCapabilities.PluginAuth))
        {
            // Some servers omit the last NUL of the plugin name.
            var rest = reader.ReadRest();
            var end = rest.IndexOf((byte)0);
            plugin = System.Text.Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]);
        }

        return new MySqlHandshake(serverVersion, connectionId, capabilities, nonce, plugin);
    }
}
