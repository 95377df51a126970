namespace HeadlessSidecar.Health.Probes;

/// <summary>The MySQL client/server capability flags the probe uses.</summary>
[Flags]
internal enum MySqlCapabilities : uint
{
    None = 0,
    LongPassword = 0x1,
    Protocol41 = 0x200,
    Transactions = 0x2000,
    SecureConnection = 0x8000,
    PluginAuth = 0x80000,
}
