using System.Net;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// Turns <see cref="TestSidecar"/>'s default service into two Tcp services over one StatefulSet: <c>primary</c>
/// (Role Primary, on the default Listen) and <c>replicas</c> (Role Replica, on <c>replicaListen</c>).
/// </summary>
internal static class RoleServices
{
    public static void Configure(Dictionary<string, string?> settings, string host, string portName, string check,
        IPEndPoint replicaListen, string? credentialsFile = null, string probeInterval = "300ms")
    {
        foreach (var key in settings.Keys.Where(k => k.StartsWith("Sidecar:Services:web:", StringComparison.Ordinal)).ToList())
        {
            var value = settings[key];
            settings.Remove(key);
            settings[key.Replace("Services:web:", "Services:primary:", StringComparison.Ordinal)] = value;
        }
        foreach (var (name, role) in new[] { ("primary", "Primary"), ("replicas", "Replica") })
        {
            settings[$"Sidecar:Services:{name}:Host"] = host;
            settings[$"Sidecar:Services:{name}:PortName"] = portName;
            settings[$"Sidecar:Services:{name}:Protocol"] = "Tcp";
            settings[$"Sidecar:Services:{name}:Role"] = role;
            settings[$"Sidecar:Services:{name}:Health:Check"] = check;
            settings[$"Sidecar:Services:{name}:Health:ProbeInterval"] = probeInterval;
            settings[$"Sidecar:Services:{name}:Health:ProbeTimeout"] = probeInterval;
            if (credentialsFile is not null)
            {
                settings[$"Sidecar:Services:{name}:Health:CredentialsFile"] = credentialsFile;
            }
        }
        settings["Sidecar:Services:replicas:Listen"] = replicaListen.ToString();
    }
}
