namespace HeadlessSidecar.Configuration;

/// <summary><c>Tls:Mode</c> of a service: how the sidecar talks to its pods.</summary>
public enum TlsMode
{
    /// <summary>Plaintext to the pods (the default).</summary>
    Disabled,

    /// <summary>TLS from the first byte, the pod's certificate verified.</summary>
    Tls,

    /// <summary>As <see cref="Tls"/>, and the sidecar presents <c>CertFile</c> + <c>KeyFile</c>.</summary>
    MutualTls,
}
