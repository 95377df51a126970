using System.Security.Authentication;

namespace HeadlessSidecar.Configuration;

/// <summary><c>Sidecar:Services:NAME:Tls</c>: TLS from the sidecar to the pods; the app still speaks plaintext to the sidecar.</summary>
public sealed class TlsOptions
{
    public TlsMode Mode { get; set; } = TlsMode.Disabled;

    /// <summary>PEM bundle of the roots the pods' certificates must chain to; null = the system trust store.</summary>
    public string? CaFile { get; set; }

    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>A fixed name sent as SNI and verified; null = each pod's own DNS name.</summary>
    public string? ServerName { get; set; }

    public SslProtocols MinVersion { get; set; } = SslProtocols.Tls12;

    public bool InsecureSkipVerify { get; set; }

    public bool Enabled => Mode != TlsMode.Disabled;
}
