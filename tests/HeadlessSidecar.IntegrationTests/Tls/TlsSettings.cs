using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Tls;

/// <summary>The <c>Sidecar:Services:NAME:Tls</c> keys of contract section 9, as a test sets them.</summary>
internal static class TlsSettings
{
    /// <summary>
    /// <c>Tls:Mode</c> with <c>CaFile</c>, and for a <paramref name="client"/> certificate (<c>MutualTls</c>) its
    /// <c>CertFile</c> and <c>KeyFile</c>; the files may be paths of their own or those of a mounted volume.
    /// </summary>
    public static void Set(Dictionary<string, string?> settings, string mode, string? caFile, string? certFile = null, string? keyFile = null,
        string service = "web")
    {
        var prefix = $"Sidecar:Services:{service}:Tls:";
        settings[prefix + "Mode"] = mode;
        settings[prefix + "CaFile"] = caFile;
        if (certFile is not null)
        {
            settings[prefix + "CertFile"] = certFile;
            settings[prefix + "KeyFile"] = keyFile;
        }
    }

    public static void Set(Dictionary<string, string?> settings, string mode, string? caFile, TlsFiles client, string service = "web") =>
        Set(settings, mode, caFile, client.CertificatePath, client.KeyPath, service);
}
