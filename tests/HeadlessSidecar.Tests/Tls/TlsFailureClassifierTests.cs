using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using HeadlessSidecar.Tls;

namespace HeadlessSidecar.Tests.Tls;

public class TlsFailureClassifierTests
{
    [Theory]
    [InlineData(X509ChainStatusFlags.UntrustedRoot, TlsFailureCause.Untrusted)]
    [InlineData(X509ChainStatusFlags.PartialChain, TlsFailureCause.Untrusted)]
    [InlineData(X509ChainStatusFlags.NotTimeValid, TlsFailureCause.Expired)]
    [InlineData(X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.NotTimeValid, TlsFailureCause.Untrusted)]
    [InlineData(X509ChainStatusFlags.NotSignatureValid, TlsFailureCause.Untrusted)]
    public void FromCertificate_ChainErrors_NameTheCause(X509ChainStatusFlags status, TlsFailureCause expected)
    {
        var result = TlsFailureClassifier.FromCertificate(SslPolicyErrors.RemoteCertificateChainErrors, status, "web-0.nginx");
        Assert.Equal(expected, result!.Value.Cause);
    }

    [Fact]
    public void FromCertificate_NameMismatchOnly_IsNameMismatchNamingTheHost()
    {
        var result = TlsFailureClassifier.FromCertificate(SslPolicyErrors.RemoteCertificateNameMismatch, X509ChainStatusFlags.NoError, "web-0.nginx.default.svc.cluster.local");
        Assert.Equal(TlsFailureCause.NameMismatch, result!.Value.Cause);
        Assert.Contains("'web-0.nginx.default.svc.cluster.local'", result.Value.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void FromCertificate_UntrustedAndWrongName_UntrustedFirst()
    {
        var result = TlsFailureClassifier.FromCertificate(SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors,
            X509ChainStatusFlags.PartialChain, "web-0");
        Assert.Equal(TlsFailureCause.Untrusted, result!.Value.Cause);
    }

    [Fact]
    public void FromCertificate_NoCertificate_IsProtocol()
    {
        var result = TlsFailureClassifier.FromCertificate(SslPolicyErrors.RemoteCertificateNotAvailable, X509ChainStatusFlags.NoError, "web-0");
        Assert.Equal(TlsFailureCause.Protocol, result!.Value.Cause);
    }

    [Fact]
    public void FromCertificate_NoErrors_IsNull() =>
        Assert.Null(TlsFailureClassifier.FromCertificate(SslPolicyErrors.None, X509ChainStatusFlags.NoError, "web-0"));

    [Theory]
    // OpenSSL 3, as SslStream on Debian 12 reports them.
    [InlineData("error:0A000418:SSL routines::tlsv1 alert unknown ca", 48)]
    [InlineData("error:0A000412:SSL routines::sslv3 alert bad certificate", 42)]
    [InlineData("error:0A00045C:SSL routines::tlsv13 alert certificate required", 116)]
    [InlineData("error:0A000460:SSL routines::tlsv1 alert no application protocol", 120)]
    // OpenSSL 1.1.
    [InlineData("error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca", 48)]
    public void FindAlert_OpenSslErrorInInnerException_ReturnsAlertNumber(string openSsl, int alert)
    {
        var exception = new IOException("The decryption operation failed", new InvalidOperationException($"SSL Handshake failed with OpenSSL error - SSL_ERROR_SSL. {openSsl}"));
        Assert.Equal(alert, TlsFailureClassifier.FindAlert(exception));
    }

    [Theory]
    [InlineData("error:0A00010B:SSL routines::wrong version number")]
    [InlineData("connection reset")]
    public void FindAlert_NoAlert_IsNull(string message) =>
        Assert.Null(TlsFailureClassifier.FindAlert(new IOException(message)));

    [Theory]
    [InlineData(42, TlsFailureCause.ClientCertificateRejected)]
    [InlineData(48, TlsFailureCause.ClientCertificateRejected)]
    [InlineData(116, TlsFailureCause.ClientCertificateRejected)]
    [InlineData(45, TlsFailureCause.ClientCertificateRejected)]
    [InlineData(120, TlsFailureCause.NoH2)]
    [InlineData(112, TlsFailureCause.NameMismatch)]
    [InlineData(70, TlsFailureCause.Protocol)]
    [InlineData(40, TlsFailureCause.Protocol)]
    public void FromAlert_KnownAlerts_MapToCauses(int alert, TlsFailureCause expected) =>
        Assert.Equal(expected, TlsFailureClassifier.FromAlert(alert).Cause);

    [Fact]
    public void FromException_PlaintextServer_IsProtocolSayingSo()
    {
        var (cause, detail) = TlsFailureClassifier.FromException(new System.Security.Authentication.AuthenticationException("x",
            new InvalidOperationException("error:0A00010B:SSL routines::wrong version number")));
        Assert.Equal(TlsFailureCause.Protocol, cause);
        Assert.Contains("plaintext", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TlsFailureCause.Untrusted, "untrusted")]
    [InlineData(TlsFailureCause.NameMismatch, "name mismatch")]
    [InlineData(TlsFailureCause.Expired, "expired")]
    [InlineData(TlsFailureCause.ClientCertificateRejected, "client certificate rejected")]
    [InlineData(TlsFailureCause.Protocol, "protocol")]
    [InlineData(TlsFailureCause.NoH2, "no h2 negotiated")]
    public void Describe_ContractCauses_UseTheContractWords(TlsFailureCause cause, string words) =>
        Assert.Equal(words, TlsFailureClassifier.Describe(cause));
}
