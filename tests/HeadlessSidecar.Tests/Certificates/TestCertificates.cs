using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HeadlessSidecar.Tests.Certificates;

public enum TestKeyFormat
{
    RsaPkcs8,
    RsaPkcs1,
    EcPkcs8,
    EcSec1,
}

/// <summary>A serving certificate as PEM files hold it: the leaf (then any intermediates) and its key.</summary>
internal sealed record TestCertificate(X509Certificate2 Certificate, string CertificatePem, string KeyPem);

/// <summary>Certificates made in the test, signed by a CA of the test's own, in the PEM shapes cert-manager writes.</summary>
internal static class TestCertificates
{
    public static X509Certificate2 CreateAuthority(string name = "headless-sidecar test CA", X509Certificate2? issuer = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        if (issuer is null)
        {
            return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
        }
        using var signed = request.Create(issuer, now.AddMinutes(-5), now.AddDays(20), RandomNumberGenerator.GetBytes(16));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>A leaf for <paramref name="dnsName"/> (and 127.0.0.0/8 addresses by name only) signed by
    /// <paramref name="issuer"/>; <paramref name="intermediates"/> follow it in the certificate PEM.</summary>
    public static TestCertificate CreateServer(X509Certificate2 issuer, string dnsName = "headless-sidecar-injector.headless-sidecar.svc",
        TestKeyFormat format = TestKeyFormat.EcPkcs8, params X509Certificate2[] intermediates)
    {
        AsymmetricAlgorithm key = format is TestKeyFormat.RsaPkcs8 or TestKeyFormat.RsaPkcs1 ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using (key)
        {
            var request = key is RSA rsa
                ? new CertificateRequest($"CN={dnsName}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest($"CN={dnsName}", (ECDsa)key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(dnsName);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            var now = DateTimeOffset.UtcNow;
            // Signed by the issuer's ECDSA key whatever the leaf's own algorithm.
            using var issuerKey = issuer.GetECDsaPrivateKey()!;
            var certificate = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey),
                now.AddMinutes(-5), now.AddDays(10), RandomNumberGenerator.GetBytes(16));
            var chain = certificate.ExportCertificatePem() + "\n" + string.Concat(intermediates.Select(i => i.ExportCertificatePem() + "\n"));
            var keyPem = format switch
            {
                TestKeyFormat.RsaPkcs8 or TestKeyFormat.EcPkcs8 => key.ExportPkcs8PrivateKeyPem(),
                TestKeyFormat.RsaPkcs1 => ((RSA)key).ExportRSAPrivateKeyPem(),
                _ => ((ECDsa)key).ExportECPrivateKeyPem(),
            };
            return new TestCertificate(certificate, chain, keyPem);
        }
    }
}
