using System.Security.Authentication;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Tests.Certificates;
using HeadlessSidecar.Tests.Tls;
using Microsoft.Extensions.Configuration;

namespace HeadlessSidecar.Tests.Configuration;

public sealed class TlsOptionsReaderTests : IDisposable
{
    private const string Key = "Sidecar:Services:web:Tls";
    private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 Authority = TestCertificates.CreateAuthority();

    private readonly string _directory = Directory.CreateTempSubdirectory("headless-sidecar-tls-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private string CaFile() => WriteFile("ca.crt", Authority.ExportCertificatePem());

    private (string Cert, string Key) ClientFiles(TestCertificate certificate, string prefix = "client") =>
        (WriteFile($"{prefix}.crt", certificate.CertificatePem), WriteFile($"{prefix}.key", certificate.KeyPem));

    private static SidecarOptions Read(out IReadOnlyList<ConfigError> errors, SidecarReadOptions? read, params (string Key, string? Value)[] values)
    {
        var data = new Dictionary<string, string?>
        {
            ["Sidecar:Services:web:Host"] = "nginx-headless.default.svc.cluster.local",
            ["Sidecar:Services:web:PortName"] = "web",
            ["Sidecar:Services:web:Listen"] = "127.0.0.1:18001",
        };
        foreach (var (key, value) in values)
        {
            data[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(data).Build();
        return SidecarOptionsReader.Read(configuration, read ?? SidecarReadOptions.Default, out errors);
    }

    private static string SingleError(params (string Key, string? Value)[] values) => SingleError(null, values);

    private static string SingleError(SidecarReadOptions? read, params (string Key, string? Value)[] values)
    {
        Read(out var errors, read, values);
        return Assert.Single(errors).ToString();
    }

    [Fact]
    public void Read_NoTlsSection_DisabledWithContractDefaults()
    {
        var tls = Read(out var errors, null).Services[0].Tls;
        Assert.Empty(errors);
        Assert.Equal(TlsMode.Disabled, tls.Mode);
        Assert.False(tls.Enabled);
        Assert.Equal(SslProtocols.Tls12, tls.MinVersion);
        Assert.False(tls.InsecureSkipVerify);
        Assert.Null(tls.CaFile);
        Assert.Null(tls.ServerName);
    }

    [Fact]
    public void Read_MutualTlsWithGoodFiles_ReadsEveryKey()
    {
        var ca = CaFile();
        var (cert, key) = ClientFiles(TlsTestCertificates.CreateLeaf(Authority, "sidecar", client: true));
        var tls = Read(out var errors, null, ($"{Key}:Mode", "MutualTls"), ($"{Key}:CaFile", ca), ($"{Key}:CertFile", cert),
            ($"{Key}:KeyFile", key), ($"{Key}:ServerName", "Nginx.Default.Svc.Cluster.Local."), ($"{Key}:MinVersion", "Tls13"),
            ($"{Key}:InsecureSkipVerify", "true")).Services[0].Tls;
        Assert.Empty(errors);
        Assert.Equal(TlsMode.MutualTls, tls.Mode);
        Assert.Equal(ca, tls.CaFile);
        Assert.Equal(cert, tls.CertFile);
        Assert.Equal(key, tls.KeyFile);
        Assert.Equal("nginx.default.svc.cluster.local", tls.ServerName);
        Assert.Equal(SslProtocols.Tls13, tls.MinVersion);
        Assert.True(tls.InsecureSkipVerify);
    }

    [Fact]
    public void Read_CaFileMissing_NamesCaFile()
    {
        var missing = Path.Combine(_directory, "nope.crt");
        Assert.Equal($"{Key}:CaFile: '{missing}' does not exist", SingleError(($"{Key}:Mode", "Tls"), ($"{Key}:CaFile", missing)));
    }

    [Fact]
    public void Read_CaFileWithoutCertificate_NamesCaFile() =>
        Assert.Equal($"{Key}:CaFile: has no PEM CERTIFICATE block",
            SingleError(($"{Key}:Mode", "Tls"), ($"{Key}:CaFile", WriteFile("ca.crt", "not a certificate"))));

    [Fact]
    public void Read_CaFileMissingWithNoFiles_NoError()
    {
        Read(out var errors, new SidecarReadOptions { CheckFiles = false }, ($"{Key}:Mode", "MutualTls"), ($"{Key}:CaFile", "/etc/headless-sidecar/tls/ca.crt"),
            ($"{Key}:CertFile", "/etc/headless-sidecar/tls/tls.crt"), ($"{Key}:KeyFile", "/etc/headless-sidecar/tls/tls.key"));
        Assert.Empty(errors);
    }

    [Fact]
    public void Read_NoFilesStillChecksTheRules() =>
        Assert.Equal($"{Key}:CertFile: is required with Tls:Mode 'MutualTls' (with Tls:KeyFile: the client certificate the sidecar presents)",
            SingleError(new SidecarReadOptions { CheckFiles = false }, ($"{Key}:Mode", "MutualTls")));

    [Fact]
    public void Read_CertFileWithoutKeyFile_NamesKeyFile()
    {
        var (cert, _) = ClientFiles(TlsTestCertificates.CreateLeaf(Authority, "sidecar", client: true));
        Assert.Equal($"{Key}:KeyFile: is required with Tls:CertFile (the certificate's private key, PEM)",
            SingleError(($"{Key}:Mode", "MutualTls"), ($"{Key}:CertFile", cert)));
    }

    [Fact]
    public void Read_KeyOfAnotherCertificate_NamesKeyFile()
    {
        var (cert, _) = ClientFiles(TlsTestCertificates.CreateLeaf(Authority, "sidecar", client: true));
        var (_, otherKey) = ClientFiles(TlsTestCertificates.CreateLeaf(Authority, "other", client: true), "other");
        Assert.Equal($"{Key}:KeyFile: the private key does not match the certificate (the first one in the certificate file)",
            SingleError(($"{Key}:Mode", "MutualTls"), ($"{Key}:CertFile", cert), ($"{Key}:KeyFile", otherKey)));
    }

    [Fact]
    public void Read_ExpiredClientCertificate_NamesCertFile()
    {
        var now = DateTimeOffset.UtcNow;
        var (cert, key) = ClientFiles(TlsTestCertificates.CreateLeaf(Authority, "sidecar", client: true, now.AddDays(-10), now.AddDays(-1)));
        var error = SingleError(($"{Key}:Mode", "MutualTls"), ($"{Key}:CertFile", cert), ($"{Key}:KeyFile", key));
        Assert.StartsWith($"{Key}:CertFile: the certificate (CN=sidecar) expired at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CertificateFileNotPem_NamesCertFile()
    {
        var (_, key) = ClientFiles(TlsTestCertificates.CreateLeaf(Authority, "sidecar", client: true));
        Assert.Equal($"{Key}:CertFile: the certificate file has no PEM CERTIFICATE block",
            SingleError(($"{Key}:Mode", "MutualTls"), ($"{Key}:CertFile", WriteFile("bad.crt", "garbage")), ($"{Key}:KeyFile", key)));
    }

    [Fact]
    public void Read_TlsOnMySqlService_NamesModeAndWhy()
    {
        var error = SingleError(("Sidecar:Services:web:Protocol", "Tcp"), ("Sidecar:Services:web:Health:Check", "MySql"),
            ("Sidecar:Services:web:Role", "Primary"), ($"{Key}:Mode", "Tls"));
        Assert.StartsWith($"{Key}:Mode: 'Tls' cannot be used with Health:Check 'MySql'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TlsOnRedisService_Accepted()
    {
        Read(out var errors, null, ("Sidecar:Services:web:Protocol", "Tcp"), ("Sidecar:Services:web:Health:Check", "Redis"), ($"{Key}:Mode", "Tls"));
        Assert.Empty(errors);
    }

    [Fact]
    public void Read_CertFileWithModeTls_SaysUseMutualTls()
    {
        var (cert, key) = ClientFiles(TlsTestCertificates.CreateLeaf(Authority, "sidecar", client: true));
        Assert.Contains("use 'MutualTls'", SingleError(($"{Key}:Mode", "Tls"), ($"{Key}:CertFile", cert), ($"{Key}:KeyFile", key)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1", "is an IP address")]
    [InlineData("*.nginx.default.svc", "is not a valid DNS name")]
    [InlineData("bad name", "is not a valid DNS name")]
    public void Read_BadServerName_NamesServerName(string name, string reason)
    {
        var error = SingleError(($"{Key}:Mode", "Tls"), ($"{Key}:ServerName", name));
        Assert.StartsWith($"{Key}:ServerName: '{name}' ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mode", "Strict", "is not one of Disabled, Tls, MutualTls")]
    [InlineData("MinVersion", "Tls11", "is not one of Tls12, Tls13")]
    [InlineData("InsecureSkipVerify", "yes", "is not true or false")]
    public void Read_BadValues_NameTheKey(string key, string value, string reason) =>
        Assert.Equal($"{Key}:{key}: '{value}' {reason}", SingleError(($"{Key}:{key}", value)));

    [Fact]
    public void Read_UnknownTlsKey_IsReported() =>
        Assert.Equal($"{Key}:CertificateFile: is not a known setting", SingleError(($"{Key}:CertificateFile", "/x")));

    [Fact]
    public void Read_DisabledWithFilesThatDoNotExist_NotChecked()
    {
        Read(out var errors, null, ($"{Key}:CaFile", "/does/not/exist.crt"));
        Assert.Empty(errors);
    }
}
