namespace HeadlessSidecar.Tls;

/// <summary>Why a handshake with a pod failed, as the 502's detail names it (contract section 9).</summary>
public enum TlsFailureCause
{
    /// <summary>The pod's certificate does not chain to a trusted root (<c>CaFile</c>, else the system store).</summary>
    Untrusted,

    /// <summary>The certificate does not name the pod (SNI name or <c>ServerName</c>).</summary>
    NameMismatch,

    /// <summary>The pod's certificate, or one in its chain, has expired (or is not valid yet).</summary>
    Expired,

    /// <summary>The pod refused the sidecar's client certificate, or required one.</summary>
    ClientCertificateRejected,

    /// <summary>No common version or cipher, a pod that does not speak TLS, a broken exchange.</summary>
    Protocol,

    /// <summary><c>UpstreamHttpVersion: 2</c> and the pod did not agree to <c>h2</c> by ALPN.</summary>
    NoH2,

    /// <summary>No completed handshake within <c>Timeouts:Connect</c>.</summary>
    Timeout,

    /// <summary>The service's certificate files never loaded, so no handshake can be made.</summary>
    NoMaterial,
}
