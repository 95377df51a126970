using System.Security.Cryptography;
using HeadlessSidecar.Certificates;

namespace HeadlessSidecar.Tests.Certificates;

public sealed class PemCertificateLoaderTests
{
    private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 Authority = TestCertificates.CreateAuthority();

    [Theory]
    [InlineData(TestKeyFormat.RsaPkcs8)]
    [InlineData(TestKeyFormat.RsaPkcs1)]
    [InlineData(TestKeyFormat.EcPkcs8)]
    [InlineData(TestKeyFormat.EcSec1)]
    public void TryLoad_EveryKeyFormat_LoadsLeafWithPrivateKey(TestKeyFormat format)
    {
        var server = TestCertificates.CreateServer(Authority, format: format);

        Assert.True(PemCertificateLoader.TryLoad(server.CertificatePem, server.KeyPem, out var context, out var error), error);
        Assert.Equal(server.Certificate.Thumbprint, context!.TargetCertificate.Thumbprint);
        Assert.True(context.TargetCertificate.HasPrivateKey);
    }

    [Fact]
    public void TryLoad_ChainWithIntermediate_KeepsIntermediate()
    {
        var intermediate = TestCertificates.CreateAuthority("headless-sidecar test intermediate", Authority);
        var server = TestCertificates.CreateServer(intermediate, intermediates: intermediate);

        Assert.True(PemCertificateLoader.TryLoad(server.CertificatePem, server.KeyPem, out var context, out var error), error);
        Assert.Equal(server.Certificate.Thumbprint, context!.TargetCertificate.Thumbprint);
        Assert.Equal(intermediate.Thumbprint, Assert.Single(context.IntermediateCertificates).Thumbprint);
    }

    [Fact]
    public void TryLoad_KeyOfAnotherCertificate_RefusedAsMismatch()
    {
        var server = TestCertificates.CreateServer(Authority);
        var other = TestCertificates.CreateServer(Authority);

        Assert.False(PemCertificateLoader.TryLoad(server.CertificatePem, other.KeyPem, out var context, out var error));
        Assert.Null(context);
        Assert.Equal("the private key does not match the certificate (the first one in the certificate file)", error);
    }

    [Theory]
    [InlineData("", "the certificate file has no PEM CERTIFICATE block")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "the certificate file has a CERTIFICATE block that is not a valid certificate")]
    public void TryLoad_BadCertificateFile_Refused(string certificatePem, string expected)
    {
        var server = TestCertificates.CreateServer(Authority);
        Assert.False(PemCertificateLoader.TryLoad(certificatePem, server.KeyPem, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryLoad_KeyFileWithoutKeyOrEncrypted_Refused()
    {
        var server = TestCertificates.CreateServer(Authority, format: TestKeyFormat.RsaPkcs8);
        Assert.False(PemCertificateLoader.TryLoad(server.CertificatePem, "not a key", out _, out var error));
        Assert.StartsWith("the key file has no PEM private key", error, StringComparison.Ordinal);

        Assert.False(PemCertificateLoader.TryLoad(server.CertificatePem, server.KeyPem.Replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY", StringComparison.Ordinal), out _, out error));
        Assert.Equal("the private key is encrypted; the key file must hold it unencrypted", error);

        // An RSA key for an ECDSA certificate: no key of the certificate's algorithm.
        var ec = TestCertificates.CreateServer(Authority, format: TestKeyFormat.EcSec1);
        Assert.False(PemCertificateLoader.TryLoad(ec.CertificatePem, server.KeyPem, out _, out error));
        Assert.NotNull(error);
    }

    [Fact]
    public void TryLoad_TruncatedKey_Refused()
    {
        var server = TestCertificates.CreateServer(Authority, format: TestKeyFormat.RsaPkcs1);
        var lines = server.KeyPem.Split('\n');
        var truncated = string.Join('\n', lines.Take(3).Concat(lines.TakeLast(1)));
        Assert.False(PemCertificateLoader.TryLoad(server.CertificatePem, truncated, out _, out var error));
        Assert.NotNull(error);
        Assert.Throws<CryptographicException>(() => System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(server.CertificatePem, truncated));
    }
}
