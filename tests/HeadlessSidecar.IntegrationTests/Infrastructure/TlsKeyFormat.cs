namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>The key algorithm and PEM encoding a <see cref="TestPki"/> certificate's key file is written in.</summary>
public enum TlsKeyFormat
{
    /// <summary>P-256, <c>BEGIN PRIVATE KEY</c> (what cert-manager writes by default for ECDSA with PKCS#8 encoding).</summary>
    EcPkcs8,

    /// <summary>P-256, <c>BEGIN EC PRIVATE KEY</c>.</summary>
    EcSec1,

    /// <summary>RSA 2048, <c>BEGIN PRIVATE KEY</c>.</summary>
    RsaPkcs8,

    /// <summary>RSA 2048, <c>BEGIN RSA PRIVATE KEY</c> (cert-manager's default encoding).</summary>
    RsaPkcs1,
}
