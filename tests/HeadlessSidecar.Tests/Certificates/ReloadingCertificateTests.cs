using HeadlessSidecar.Certificates;
using HeadlessSidecar.FileWatching;
using HeadlessSidecar.Tests.FileWatching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Certificates;

public sealed class ReloadingCertificateTests : IDisposable
{
    private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 Authority = TestCertificates.CreateAuthority();
    private static readonly TimeSpan Interval = FileWatcherOptions.DefaultPollInterval;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly TestCertificate _first = TestCertificates.CreateServer(Authority);
    private readonly MountedVolume _volume;

    public ReloadingCertificateTests() => _volume = MountedVolume.Create(Files(_first));

    public void Dispose() => _volume.Dispose();

    /// <summary>Lets <paramref name="count"/> polls happen, one interval at a time (one Advance fires a rescheduled timer once).</summary>
    private void Polls(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _time.Advance(Interval);
        }
    }

    private static Dictionary<string, string> Files(TestCertificate certificate) =>
        new() { ["tls.crt"] = certificate.CertificatePem, ["tls.key"] = certificate.KeyPem, ["ca.crt"] = Authority.ExportCertificatePem() };

    private ReloadingCertificate Create() =>
        new(_volume.PathOf("tls.crt"), _volume.PathOf("tls.key"), new FileWatcherOptions(), _time, NullLoggerFactory.Instance);

    [Fact]
    public void Refresh_RotatedSecret_ServesNewCertificateAfterTwoPolls()
    {
        using var certificate = Create();
        Assert.Equal(_first.Certificate.Thumbprint, certificate.Current!.TargetCertificate.Thumbprint);

        var second = TestCertificates.CreateServer(Authority, format: TestKeyFormat.RsaPkcs1);
        _volume.Update(Files(second));
        Polls(1);
        Assert.Equal(_first.Certificate.Thumbprint, certificate.Current!.TargetCertificate.Thumbprint);
        Polls(1);

        Assert.Equal(second.Certificate.Thumbprint, certificate.Current!.TargetCertificate.Thumbprint);
        Assert.Null(certificate.LastError);
    }

    [Fact]
    public void Refresh_MismatchedPairThenGoodPair_KeepsOldThenLoadsGood()
    {
        using var certificate = Create();
        var second = TestCertificates.CreateServer(Authority);
        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = second.CertificatePem, ["tls.key"] = _first.KeyPem });
        Polls(3);

        Assert.Equal(_first.Certificate.Thumbprint, certificate.Current!.TargetCertificate.Thumbprint);
        Assert.Equal("the private key does not match the certificate (the first one in the certificate file)", certificate.LastError);

        _volume.Update(Files(second));
        Polls(2);
        Assert.Equal(second.Certificate.Thumbprint, certificate.Current!.TargetCertificate.Thumbprint);
        Assert.Null(certificate.LastError);
    }

    [Fact]
    public void Refresh_KeyFileGoneAfterLoad_KeepsServingAndSaysWhy()
    {
        using var certificate = Create();
        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = _first.CertificatePem });
        Polls(1);

        Assert.Equal(_first.Certificate.Thumbprint, certificate.Current!.TargetCertificate.Thumbprint);
        Assert.Contains("tls.key' does not exist", certificate.LastError, StringComparison.Ordinal);

        _volume.Update(Files(_first));
        Polls(1);
        Assert.Null(certificate.LastError);
    }

    [Fact]
    public void Create_KeyFileMissing_NoCertificateAndReason()
    {
        using var certificate = new ReloadingCertificate(_volume.PathOf("tls.crt"), _volume.PathOf("missing.key"), new FileWatcherOptions(), _time, NullLoggerFactory.Instance);
        Assert.Null(certificate.Current);
        Assert.Contains("missing.key' does not exist", certificate.LastError, StringComparison.Ordinal);
    }
}
