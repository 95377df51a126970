using System.Text.Json.Nodes;

namespace HeadlessSidecar.Injection;

/// <summary>The container and volumes contract section 8 injects, built from <see cref="SidecarSettings"/>.</summary>
internal static class SidecarTemplate
{
    public const string ContainerName = "headless-sidecar";
    public const string AdminPortName = "hs-admin";
    public const int AdminPort = 18090;
    public const int UserId = 1654;
    public const string ConfigVolume = "headless-sidecar-config";
    public const string CredentialsVolume = "headless-sidecar-credentials";
    public const string TlsVolume = "headless-sidecar-tls";
    public const string ConfigDirectory = "/etc/headless-sidecar/config";
    public const string ConfigFile = ConfigDirectory + "/sidecar.json";
    public const string CredentialsDirectory = "/etc/headless-sidecar/credentials";
    public const string TlsDirectory = "/etc/headless-sidecar/tls";

    /// <summary>The image has no shell and /app is not on its PATH (contract section 8).</summary>
    public static readonly string[] AwaitCommand = ["/app/headless-sidecar", "await"];

    public static readonly string[] Arguments = ["run", "--config", ConfigFile];

    public static JsonObject Container(SidecarSettings settings)
    {
        var container = new JsonObject
        {
            ["name"] = ContainerName,
            ["image"] = settings.Image,
            ["args"] = Strings(Arguments),
        };
        if (settings.Mode == InjectionMode.Native)
        {
            container["restartPolicy"] = "Always";
        }
        else
        {
            container["env"] = new JsonArray(new JsonObject { ["name"] = "Sidecar__DrainDelay", ["value"] = settings.DrainDelay });
        }
        container["ports"] = new JsonArray(new JsonObject { ["name"] = AdminPortName, ["containerPort"] = AdminPort });
        container["resources"] = new JsonObject
        {
            ["requests"] = new JsonObject { ["cpu"] = settings.CpuRequest, ["memory"] = settings.MemoryRequest },
            ["limits"] = new JsonObject { ["memory"] = settings.MemoryLimit },
        };
        container["securityContext"] = new JsonObject
        {
            ["runAsNonRoot"] = true,
            ["runAsUser"] = UserId,
            ["runAsGroup"] = UserId,
            ["readOnlyRootFilesystem"] = true,
            ["allowPrivilegeEscalation"] = false,
            ["capabilities"] = new JsonObject { ["drop"] = Strings(["ALL"]) },
            ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
        };
        if (settings.Mode == InjectionMode.Native)
        {
            // Holds the app containers back until the sidecar serves (peers resolved): up to 2 minutes, checked every second.
            container["startupProbe"] = Probe("/readyz", periodSeconds: 1, failureThreshold: 120);
        }
        else
        {
            container["lifecycle"] = new JsonObject { ["postStart"] = new JsonObject { ["exec"] = new JsonObject { ["command"] = Strings(AwaitCommand) } } };
        }
        container["readinessProbe"] = Probe("/readyz", periodSeconds: 5, failureThreshold: 3);
        container["livenessProbe"] = Probe("/healthz", periodSeconds: 10, failureThreshold: 3);
        var mounts = new JsonArray(Mount(ConfigVolume, ConfigDirectory));
        if (settings.CredentialsSecret is not null)
        {
            mounts.Add((JsonNode)Mount(CredentialsVolume, CredentialsDirectory));
        }
        if (settings.TlsSecret is not null)
        {
            mounts.Add((JsonNode)Mount(TlsVolume, TlsDirectory));
        }
        container["volumeMounts"] = mounts;
        return container;
    }

    public static List<JsonObject> Volumes(SidecarSettings settings)
    {
        var volumes = new List<JsonObject>
        {
            new() { ["name"] = ConfigVolume, ["configMap"] = new JsonObject { ["name"] = settings.ConfigMap } },
        };
        if (settings.CredentialsSecret is not null)
        {
            volumes.Add(new() { ["name"] = CredentialsVolume, ["secret"] = new JsonObject { ["secretName"] = settings.CredentialsSecret } });
        }
        if (settings.TlsSecret is not null)
        {
            volumes.Add(new() { ["name"] = TlsVolume, ["secret"] = new JsonObject { ["secretName"] = settings.TlsSecret } });
        }
        return volumes;
    }

    private static JsonObject Probe(string path, int periodSeconds, int failureThreshold) => new()
    {
        ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = AdminPortName },
        ["periodSeconds"] = periodSeconds,
        ["timeoutSeconds"] = 1,
        ["failureThreshold"] = failureThreshold,
    };

    private static JsonObject Mount(string volume, string path) => new() { ["name"] = volume, ["mountPath"] = path, ["readOnly"] = true };

    private static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);
}
