using System.Text;

namespace HeadlessSidecar.Tests.Health.Probes;

/// <summary>Hand-built MySQL/MariaDB packets, laid out as the protocol documentation and captures show them.</summary>
internal static class MySqlPackets
{
    public static readonly byte[] Nonce = [.. Enumerable.Range(1, 20).Select(i => (byte)i)];

    public static byte[] Packet(byte sequence, params byte[] payload) =>
        [(byte)payload.Length, (byte)(payload.Length >> 8), (byte)(payload.Length >> 16), sequence, .. payload];

    /// <summary>A v10 handshake as MySQL 8 / MariaDB send it (all capabilities, 21-byte nonce length).</summary>
    public static byte[] Handshake(string version = "8.0.36", string plugin = "mysql_native_password") => Packet(0,
    [
        0x0A, .. Encoding.ASCII.GetBytes(version), 0x00,
        0x0B, 0x00, 0x00, 0x00,                               // connection id 11
        .. Nonce.AsSpan(0, 8), 0x00,                          // auth-plugin-data part 1, filler
        0xFF, 0xFF,                                           // capabilities (lower)
        0xFF,                                                 // character set
        0x02, 0x00,                                           // status: autocommit
        0xFF, 0xDF,                                           // capabilities (upper)
        0x15,                                                 // auth-plugin-data length 21
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                         // reserved
        .. Nonce.AsSpan(8, 12), 0x00,                         // part 2 and its NUL
        .. Encoding.ASCII.GetBytes(plugin), 0x00,
    ]);

    public static byte[] Ok(byte sequence) => Packet(sequence, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00);

    public static byte[] Eof(byte sequence) => Packet(sequence, 0xFE, 0x00, 0x00, 0x02, 0x00);

    public static byte[] Error(byte sequence, ushort code, string message, bool sqlState = true) => Packet(sequence,
    [
        0xFF, (byte)code, (byte)(code >> 8), .. sqlState ? "#28000"u8 : [], .. Encoding.UTF8.GetBytes(message),
    ]);

    /// <summary>The text resultset of <c>SELECT @@read_only</c> with one row holding <paramref name="value"/> (null: SQL NULL).</summary>
    public static byte[] ReadOnlyResultSet(string? value) =>
    [
        .. Packet(1, 0x01),
        .. Packet(2,
        [
            0x03, .. "def"u8, 0x00, 0x00, 0x00, 0x0B, .. "@@read_only"u8, 0x00,
            0x0C, 0x3F, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x80, 0x00, 0x00, 0x00, 0x00,
        ]),
        .. Eof(3),
        .. Packet(4, value is null ? [0xFB] : [(byte)value.Length, .. Encoding.ASCII.GetBytes(value)]),
        .. Eof(5),
    ];

    public static readonly byte[] Query = Packet(0, [0x03, .. "SELECT @@read_only"u8]);

    public static readonly byte[] Quit = Packet(0, 0x01);
}
