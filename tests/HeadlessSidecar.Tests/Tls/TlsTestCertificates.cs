using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HeadlessSidecar.Tests.Certificates;

namespace HeadlessSidecar.Tests.Tls;

/// <summary>Leaves for pods (server) and for the sidecar (client), signed by a test CA, with chosen validity.</summary>
internal static class TlsTestCertificates
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public static TestCertificate CreateLeaf(X509Certificate2 issuer, string name, bool client = false, DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null, params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames.Length == 0 ? [name] : dnsNames)
        {
            names.AddDnsName(dns);
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([client ? ClientAuth : ServerAuth], false));
        var now = DateTimeOffset.UtcNow;
        using var issuerKey = issuer.GetECDsaPrivateKey()!;
        var certificate = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey),
            notBefore ?? now.AddMinutes(-5), notAfter ?? now.AddDays(10), RandomNumberGenerator.GetBytes(16));
        return new TestCertificate(certificate.CopyWithPrivateKey(key), certificate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem());
    }
}
