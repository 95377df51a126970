using System.Security.Cryptography.X509Certificates;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

/// <summary>The openssl-made PKI, checked by openssl itself (<c>openssl verify</c>) and by .NET's loader.</summary>
public sealed class TestPkiTests
{
    private const string PodFqdn = "web-0.nginx-headless.default.svc.cluster.local";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int ExitCode, string Output)> VerifyAsync(TestPki pki, TlsFiles files, string purpose, string? name = null)
    {
        // The certificate file holds the leaf then its intermediates: openssl verify takes the leaf and the rest as untrusted.
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(files.CertificatePath);
        var leaf = Path.Combine(pki.DirectoryPath, $"leaf-{Guid.NewGuid():N}.pem");
        var untrusted = Path.Combine(pki.DirectoryPath, $"untrusted-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(leaf, certificates[0].ExportCertificatePem(), Ct);
        await File.WriteAllTextAsync(untrusted, string.Concat(certificates.Skip(1).Select(c => c.ExportCertificatePem() + "\n")), Ct);
        List<string> arguments = ["verify", "-CAfile", pki.RootCaPath, "-purpose", purpose];
        if (certificates.Count > 1)
        {
            arguments.AddRange(["-untrusted", untrusted]);
        }
        if (name is not null)
        {
            arguments.AddRange(["-verify_hostname", name]);
        }
        return await ProcessRunner.RunAsync(RequiredTool.Resolve("openssl"), [.. arguments, leaf], cancellationToken: Ct);
    }

    [Fact]
    public async Task PodCertificate_VerifiedForItsPodName_ChainHasLeafAndIntermediate()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var files = await pki.PodCertificateAsync(PodFqdn, cancellationToken: Ct);

        var (exitCode, output) = await VerifyAsync(pki, files, "sslserver", PodFqdn);

        Assert.True(exitCode == 0, output);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(files.CertificatePath);
        Assert.Equal(2, chain.Count);
        Assert.Equal(PodFqdn, Assert.Single(files.DnsNames));
        Assert.Equal(await File.ReadAllTextAsync(pki.RootCaPath, Ct), files.CaPem);
    }

    [Fact]
    public async Task WildcardCertificate_VerifiedForAnyPodName_NotForTheServiceItself()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var files = await pki.WildcardCertificateAsync("nginx-headless.default.svc.cluster.local", Ct);

        Assert.Equal(0, (await VerifyAsync(pki, files, "sslserver", "web-7.nginx-headless.default.svc.cluster.local")).ExitCode);
        Assert.NotEqual(0, (await VerifyAsync(pki, files, "sslserver", "web-7.other.default.svc.cluster.local")).ExitCode);
    }

    [Fact]
    public async Task WrongNameCertificate_TrustedButNotForThePod()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var files = await pki.WrongNameCertificateAsync(Ct);

        Assert.Equal(0, (await VerifyAsync(pki, files, "sslserver")).ExitCode);
        var (exitCode, output) = await VerifyAsync(pki, files, "sslserver", PodFqdn);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("hostname mismatch", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredCertificate_FailsVerificationAsExpired()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var files = await pki.ExpiredCertificateAsync(PodFqdn, Ct);

        var (exitCode, output) = await VerifyAsync(pki, files, "sslserver", PodFqdn);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("certificate has expired", output, StringComparison.Ordinal);
        Assert.True(files.NotAfter < DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task UntrustedCertificate_FailsAgainstTheTrustedRoot_CaFileIsItsOwnRoot()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var files = await pki.UntrustedCertificateAsync(PodFqdn, Ct);

        var (exitCode, output) = await VerifyAsync(pki, files, "sslserver", PodFqdn);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("unable to get local issuer certificate", output, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllTextAsync(pki.UntrustedCaPath, Ct), files.CaPem);
    }

    [Theory]
    [InlineData(TlsKeyFormat.EcPkcs8, "-----BEGIN PRIVATE KEY-----")]
    [InlineData(TlsKeyFormat.EcSec1, "-----BEGIN EC PRIVATE KEY-----")]
    [InlineData(TlsKeyFormat.RsaPkcs8, "-----BEGIN PRIVATE KEY-----")]
    [InlineData(TlsKeyFormat.RsaPkcs1, "-----BEGIN RSA PRIVATE KEY-----")]
    public async Task IssueClient_KeyFormat_PemHeaderAndKeyMatchesCertificate(TlsKeyFormat format, string header)
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var files = await pki.IssueClientAsync("app", format, cancellationToken: Ct);

        Assert.StartsWith(header, files.KeyPem, StringComparison.Ordinal);
        using var certificate = X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath);
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("CN=app, O=headless-sidecar tests", certificate.Subject);
        Assert.Equal(0, (await VerifyAsync(pki, files, "sslclient")).ExitCode);
        Assert.NotEqual(0, (await VerifyAsync(pki, files, "sslserver")).ExitCode);
    }

    [Fact]
    public async Task SecretData_CertManagerKeys_SwapThroughDataSymlink()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var first = await pki.IssueClientAsync("app", cancellationToken: Ct);
        var second = await pki.IssueClientAsync("app-rotated", cancellationToken: Ct);
        using var volume = HeadlessSidecar.Tests.FileWatching.MountedVolume.Create(first.SecretData);

        volume.Update(second.SecretData);

        Assert.Equal(second.CertificatePem, await File.ReadAllTextAsync(volume.PathOf("tls.crt"), Ct));
        Assert.Equal(second.KeyPem, await File.ReadAllTextAsync(volume.PathOf("tls.key"), Ct));
        Assert.Equal(await File.ReadAllTextAsync(pki.RootCaPath, Ct), await File.ReadAllTextAsync(volume.PathOf("ca.crt"), Ct));
        Assert.Equal("..data/tls.crt", new FileInfo(volume.PathOf("tls.crt")).LinkTarget);
    }
}
