namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>Whether a TLS pod asks for a client certificate, and what it does without a valid one.</summary>
public enum TlsClientVerification
{
    /// <summary>No certificate is asked for.</summary>
    Off,

    /// <summary>A certificate is asked for and verified if sent; the request is served either way (nginx <c>optional</c>).</summary>
    Optional,

    /// <summary>A valid certificate is required (nginx <c>on</c>: 400 without one; redis and Kestrel refuse the handshake).</summary>
    Required,
}
