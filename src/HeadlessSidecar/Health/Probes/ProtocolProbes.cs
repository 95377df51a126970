namespace HeadlessSidecar.Health.Probes;

/// <summary>The protocol probe behind each <c>Health:Check</c> value that names a protocol.</summary>
internal static class ProtocolProbes
{
    /// <summary>The probe for <paramref name="check"/>, or null for <c>Connect</c>, <c>Http</c> and unknown values.</summary>
    public static IProtocolProbe? ForCheck(string? check) => check switch
    {
        "Redis" => RedisProbe.Instance,
        "MySql" => MySqlProbe.Instance,
        "ZooKeeper" => ZooKeeperProbe.Instance,
        "Ldap" => LdapProbe.Instance,
        _ => null,
    };

    /// <summary>Whether <paramref name="check"/> reports roles and so needs a login when credentials are configured.</summary>
    public static bool KnowsRoles(string? check) => check is "Redis" or "MySql" or "ZooKeeper";
}
