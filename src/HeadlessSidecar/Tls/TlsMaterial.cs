using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace HeadlessSidecar.Tls;

/// <summary>
/// What one service's handshakes use, loaded and checked as a whole: the client certificate chain (MutualTls) and the
/// trusted roots (<c>CaFile</c>; null = the system store). Immutable; a reload swaps in a new one with the next
/// <see cref="Generation"/>, which connections remember so those made with older material can be retired.
/// </summary>
internal sealed class TlsMaterial
{
    public TlsMaterial(long generation, SslStreamCertificateContext? clientCertificate, X509Certificate2Collection? trustedRoots,
        DateTimeOffset? clientNotAfter, DateTimeOffset? caNotAfter)
    {
        Generation = generation;
        ClientCertificate = clientCertificate;
        TrustedRoots = trustedRoots;
        ClientNotAfter = clientNotAfter;
        CaNotAfter = caNotAfter;
        ChainPolicy = new X509ChainPolicy
        {
            // Offline and bounded: a private CA has no CRL, and online checks could hang a handshake.
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
            TrustMode = trustedRoots is null ? X509ChainTrustMode.System : X509ChainTrustMode.CustomRootTrust,
        };
        if (trustedRoots is not null)
        {
            ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        }
    }

    /// <summary>1 for the material loaded at start, one more for each accepted reload.</summary>
    public long Generation { get; }

    public SslStreamCertificateContext? ClientCertificate { get; }

    public X509Certificate2Collection? TrustedRoots { get; }

    /// <summary>The earliest <c>notAfter</c> of the client chain (leaf and intermediates), when one is loaded.</summary>
    public DateTimeOffset? ClientNotAfter { get; }

    /// <summary>The earliest <c>notAfter</c> in the CA bundle, when <c>CaFile</c> is set.</summary>
    public DateTimeOffset? CaNotAfter { get; }

    /// <summary>Shared by every handshake: SslStream clones it for each one.</summary>
    public X509ChainPolicy ChainPolicy { get; }
}
