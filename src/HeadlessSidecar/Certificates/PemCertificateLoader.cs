using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HeadlessSidecar.Certificates;

/// <summary>
/// Loads a serving certificate from PEM text as cert-manager and <c>kubectl create secret tls</c> write it: the
/// certificate file holds the leaf first, then any intermediates; the key file holds the leaf's private key as
/// PKCS#8 (<c>PRIVATE KEY</c>), PKCS#1 (<c>RSA PRIVATE KEY</c>) or SEC1 (<c>EC PRIVATE KEY</c>).
/// </summary>
internal static class PemCertificateLoader
{
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    /// <summary>The leaf with its key and the intermediates, ready to serve; or false with the reason in our own words
    /// (the published binary trims the runtime's messages to resource keys).</summary>
    public static bool TryLoad(ReadOnlySpan<char> certificatePem, ReadOnlySpan<char> keyPem, out SslStreamCertificateContext? context, out string? error)
    {
        context = null;
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(certificatePem);
        }
        catch (CryptographicException)
        {
            error = "the certificate file has a CERTIFICATE block that is not a valid certificate";
            return false;
        }
        if (chain.Count == 0)
        {
            error = "the certificate file has no PEM CERTIFICATE block";
            return false;
        }
        if (keyPem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
        {
            error = "the private key is encrypted; the key file must hold it unencrypted";
            return false;
        }
        var leaf = chain[0];
        X509Certificate2 withKey;
        try
        {
            withKey = leaf.GetKeyAlgorithm() switch
            {
                RsaOid => WithRsaKey(leaf, keyPem),
                EcPublicKeyOid => WithEcdsaKey(leaf, keyPem),
                var oid => throw new NotSupportedException(oid),
            };
        }
        catch (NotSupportedException ex)
        {
            error = $"the certificate's key algorithm ({ex.Message}) is not RSA or ECDSA";
            return false;
        }
        catch (KeyNotFoundException)
        {
            error = "the key file has no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) of the certificate's algorithm";
            return false;
        }
        catch (CryptographicException)
        {
            error = "the private key in the key file cannot be read";
            return false;
        }
        catch (ArgumentException)
        {
            error = "the private key does not match the certificate (the first one in the certificate file)";
            return false;
        }
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }
        // Offline: the chain is what the files say; nothing is fetched while serving.
        context = SslStreamCertificateContext.Create(withKey, intermediates, offline: true);
        error = null;
        return true;
    }

    private static X509Certificate2 WithRsaKey(X509Certificate2 leaf, ReadOnlySpan<char> keyPem)
    {
        using var key = RSA.Create();
        Import(key, keyPem);
        return leaf.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 WithEcdsaKey(X509Certificate2 leaf, ReadOnlySpan<char> keyPem)
    {
        using var key = ECDsa.Create();
        Import(key, keyPem);
        return leaf.CopyWithPrivateKey(key);
    }

    private static void Import(AsymmetricAlgorithm key, ReadOnlySpan<char> keyPem)
    {
        try
        {
            key.ImportFromPem(keyPem);
        }
        catch (ArgumentException ex)
        {
            // ImportFromPem's way of saying "no key of my kind here"; CopyWithPrivateKey's ArgumentException means a mismatch.
            throw new KeyNotFoundException(null, ex);
        }
    }
}
