using System.Globalization;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A private PKI made with the <c>openssl</c> command line in a temporary directory, as an operator's
/// cert-manager CA would make one: a root (<see cref="RootCaPath"/>, what <c>Tls:CaFile</c> trusts), an
/// intermediate under it that signs the leaves by default, and a second root nobody trusts. Server
/// certificates name the pods as CoreDNS does (<c>web-0.nginx-headless.default.svc.cluster.local</c>), the
/// usual wildcard, the Service alone, a wrong name; client certificates carry a subject the pods report.
/// Each certificate gets its own files; <see cref="TlsFiles.SecretData"/> feeds a mounted-Secret volume.
/// </summary>
public sealed class TestPki : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _openssl;
    private readonly DirectoryInfo _directory;
    private readonly SemaphoreSlim _gate = new(1, 1); // openssl ca keeps a database per authority
    private int _next;

    private TestPki(string openssl, DirectoryInfo directory)
    {
        _openssl = openssl;
        _directory = directory;
    }

    public string DirectoryPath => _directory.FullName;

    /// <summary>The trusted root, PEM: what <c>Tls:CaFile</c> and the pods' client verification trust.</summary>
    public string RootCaPath => Path.Combine(AuthorityDirectory(TestPkiIssuer.Root), "ca.crt");

    /// <summary>The intermediate's certificate, PEM (it also follows each leaf it signed in that leaf's file).</summary>
    public string IntermediateCaPath => Path.Combine(AuthorityDirectory(TestPkiIssuer.Intermediate), "ca.crt");

    /// <summary>The root nobody trusts, PEM.</summary>
    public string UntrustedCaPath => Path.Combine(AuthorityDirectory(TestPkiIssuer.Untrusted), "ca.crt");

    public static async Task<TestPki> CreateAsync(CancellationToken cancellationToken = default)
    {
        var pki = new TestPki(RequiredTool.Resolve("openssl"), Directory.CreateTempSubdirectory("hs-pki-"));
        try
        {
            await pki.CreateRootAsync(TestPkiIssuer.Root, "headless-sidecar test root", cancellationToken);
            await pki.CreateRootAsync(TestPkiIssuer.Untrusted, "headless-sidecar untrusted root", cancellationToken);
            await pki.CreateIntermediateAsync(cancellationToken);
            return pki;
        }
        catch
        {
            pki.Dispose();
            throw;
        }
    }

    /// <summary>A pod's own certificate: SAN = its DNS name (<c>web-0.nginx-headless.default.svc.cluster.local</c>).</summary>
    public Task<TlsFiles> PodCertificateAsync(string podFqdn, TlsKeyFormat format = TlsKeyFormat.EcPkcs8, CancellationToken cancellationToken = default) =>
        IssueServerAsync([podFqdn], format: format, cancellationToken: cancellationToken);

    /// <summary>One certificate for every pod: SAN <c>*.nginx-headless.default.svc.cluster.local</c>.</summary>
    public Task<TlsFiles> WildcardCertificateAsync(string serviceFqdn, CancellationToken cancellationToken = default) =>
        IssueServerAsync(["*." + serviceFqdn], cancellationToken: cancellationToken);

    /// <summary>A certificate for the Service's name only (what <c>Tls:ServerName</c> is for).</summary>
    public Task<TlsFiles> ServiceCertificateAsync(string serviceFqdn, CancellationToken cancellationToken = default) =>
        IssueServerAsync([serviceFqdn], cancellationToken: cancellationToken);

    /// <summary>A valid, trusted certificate for a name no pod has.</summary>
    public Task<TlsFiles> WrongNameCertificateAsync(CancellationToken cancellationToken = default) =>
        IssueServerAsync(["wrong-name.example.org"], cancellationToken: cancellationToken);

    /// <summary>The pod's name, trusted, but its validity ended yesterday.</summary>
    public Task<TlsFiles> ExpiredCertificateAsync(string podFqdn, CancellationToken cancellationToken = default) =>
        IssueServerAsync([podFqdn], expired: true, cancellationToken: cancellationToken);

    /// <summary>The pod's name, signed by the root nobody trusts.</summary>
    public Task<TlsFiles> UntrustedCertificateAsync(string podFqdn, CancellationToken cancellationToken = default) =>
        IssueServerAsync([podFqdn], TestPkiIssuer.Untrusted, cancellationToken: cancellationToken);

    /// <summary>A server certificate (extended key usage serverAuth) for <paramref name="dnsNames"/>.</summary>
    public Task<TlsFiles> IssueServerAsync(
        IReadOnlyList<string> dnsNames,
        TestPkiIssuer issuer = TestPkiIssuer.Intermediate,
        bool expired = false,
        TlsKeyFormat format = TlsKeyFormat.EcPkcs8,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentOutOfRangeException.ThrowIfZero(dnsNames.Count);
        var commonName = dnsNames[0];
        return IssueAsync(commonName, $"/CN={commonName}", dnsNames, "serverAuth", issuer, expired, format, cancellationToken);
    }

    /// <summary>
    /// A client certificate (clientAuth) with subject <c>CN=<paramref name="commonName"/>,O=headless-sidecar tests</c>,
    /// which nginx reports as <c>$ssl_client_s_dn</c> <c>CN=app,O=headless-sidecar tests</c>.
    /// </summary>
    public Task<TlsFiles> IssueClientAsync(
        string commonName,
        TlsKeyFormat format = TlsKeyFormat.EcPkcs8,
        TestPkiIssuer issuer = TestPkiIssuer.Intermediate,
        bool expired = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        return IssueAsync(commonName, $"/O=headless-sidecar tests/CN={commonName}", [], "clientAuth", issuer, expired, format, cancellationToken);
    }

    /// <summary>The subject nginx reports for a client certificate of <see cref="IssueClientAsync"/> (RFC 2253 order).</summary>
    public static string ClientSubject(string commonName) => $"CN={commonName},O=headless-sidecar tests";

    public void Dispose()
    {
        _gate.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test.
        }
    }

    private async Task<TlsFiles> IssueAsync(
        string name,
        string subject,
        IReadOnlyList<string> dnsNames,
        string extendedKeyUsage,
        TestPkiIssuer issuer,
        bool expired,
        TlsKeyFormat format,
        CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var index = ++_next;
            var directory = Directory.CreateDirectory(Path.Combine(_directory.FullName, "issued", index.ToString("000", CultureInfo.InvariantCulture))).FullName;
            var keyPath = Path.Combine(directory, "tls.key");
            var certificatePath = Path.Combine(directory, "tls.crt");
            await GenerateKeyAsync(keyPath, format, cancellationToken);

            var extensions = new List<string>
            {
                "basicConstraints = critical, CA:FALSE",
                "keyUsage = critical, digitalSignature, keyEncipherment",
                $"extendedKeyUsage = {extendedKeyUsage}",
                "subjectKeyIdentifier = hash",
                "authorityKeyIdentifier = keyid",
            };
            if (dnsNames.Count > 0)
            {
                extensions.Add("subjectAltName = " + string.Join(", ", dnsNames.Select(n => "DNS:" + n)));
            }

            var now = DateTimeOffset.UtcNow;
            var (notBefore, notAfter) = expired ? (now.AddDays(-10), now.AddDays(-1)) : (now.AddHours(-1), now.AddDays(10));
            var leaf = await SignAsync(issuer, keyPath, subject, extensions, notBefore, notAfter, directory, cancellationToken);

            // cert-manager's tls.crt: the leaf, then the intermediates up to (not including) the root.
            var chain = leaf;
            if (issuer == TestPkiIssuer.Intermediate)
            {
                chain += await File.ReadAllTextAsync(IntermediateCaPath, cancellationToken);
            }
            await File.WriteAllTextAsync(certificatePath, chain, cancellationToken);
            var caPath = issuer == TestPkiIssuer.Untrusted ? UntrustedCaPath : RootCaPath;
            File.Copy(caPath, Path.Combine(directory, "ca.crt"));
            return new TlsFiles(name, certificatePath, keyPath, Path.Combine(directory, "ca.crt"), subject, dnsNames, TruncateToSeconds(notAfter));
        }
        finally
        {
            _gate.Release();
        }
    }

    private string AuthorityDirectory(TestPkiIssuer issuer) => Path.Combine(_directory.FullName, issuer.ToString().ToLowerInvariant());

    private async Task CreateRootAsync(TestPkiIssuer issuer, string commonName, CancellationToken cancellationToken)
    {
        var directory = await PrepareAuthorityAsync(issuer, cancellationToken);
        var key = Path.Combine(directory, "ca.key");
        await GenerateKeyAsync(key, TlsKeyFormat.EcPkcs8, cancellationToken);
        await RunAsync(
        [
            "req", "-x509", "-new", "-key", key, "-sha256", "-days", "60", "-subj", $"/O=headless-sidecar tests/CN={commonName}",
            "-addext", "basicConstraints = critical, CA:TRUE",
            "-addext", "keyUsage = critical, keyCertSign, cRLSign",
            "-addext", "subjectKeyIdentifier = hash",
            "-out", Path.Combine(directory, "ca.crt"),
        ], cancellationToken);
    }

    private async Task CreateIntermediateAsync(CancellationToken cancellationToken)
    {
        var directory = await PrepareAuthorityAsync(TestPkiIssuer.Intermediate, cancellationToken);
        var key = Path.Combine(directory, "ca.key");
        await GenerateKeyAsync(key, TlsKeyFormat.EcPkcs8, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var certificate = await SignAsync(
            TestPkiIssuer.Root,
            key,
            "/O=headless-sidecar tests/CN=headless-sidecar test intermediate",
            [
                "basicConstraints = critical, CA:TRUE, pathlen:0",
                "keyUsage = critical, keyCertSign, cRLSign",
                "subjectKeyIdentifier = hash",
                "authorityKeyIdentifier = keyid",
            ],
            now.AddHours(-2),
            now.AddDays(30),
            directory,
            cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "ca.crt"), certificate, cancellationToken);
    }

    /// <summary>An <c>openssl ca</c> database for one authority (it, unlike <c>openssl x509 -req</c> in 3.0, sets exact validity dates).</summary>
    private async Task<string> PrepareAuthorityAsync(TestPkiIssuer issuer, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateDirectory(AuthorityDirectory(issuer)).FullName;
        Directory.CreateDirectory(Path.Combine(directory, "newcerts"));
        await File.WriteAllTextAsync(Path.Combine(directory, "index.txt"), string.Empty, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "serial"), Convert.ToHexString(Guid.NewGuid().ToByteArray()[..8]) + "\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "openssl.cnf"), $"""
            [ca]
            default_ca = authority

            [authority]
            dir = {directory}
            database = $dir/index.txt
            new_certs_dir = $dir/newcerts
            serial = $dir/serial
            certificate = $dir/ca.crt
            private_key = $dir/ca.key
            default_md = sha256
            policy = any_subject
            unique_subject = no
            copy_extensions = none
            email_in_dn = no

            [any_subject]
            organizationName = optional
            commonName = supplied

            """, cancellationToken);
        return directory;
    }

    private async Task<string> SignAsync(
        TestPkiIssuer issuer,
        string keyPath,
        string subject,
        IReadOnlyList<string> extensions,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        string workDirectory,
        CancellationToken cancellationToken)
    {
        var authority = AuthorityDirectory(issuer);
        var request = Path.Combine(workDirectory, "request.csr");
        var extensionFile = Path.Combine(workDirectory, "extensions.cnf");
        var output = Path.Combine(workDirectory, "signed.crt");
        await RunAsync(["req", "-new", "-key", keyPath, "-subj", subject, "-out", request], cancellationToken);
        await File.WriteAllTextAsync(extensionFile, "[leaf]\n" + string.Join('\n', extensions) + "\n", cancellationToken);
        await RunAsync(
        [
            "ca", "-batch", "-notext", "-config", Path.Combine(authority, "openssl.cnf"), "-in", request, "-out", output,
            "-extfile", extensionFile, "-extensions", "leaf",
            "-startdate", OpenSslTime(notBefore), "-enddate", OpenSslTime(notAfter),
        ], cancellationToken);
        return await File.ReadAllTextAsync(output, cancellationToken);
    }

    private async Task GenerateKeyAsync(string path, TlsKeyFormat format, CancellationToken cancellationToken)
    {
        string[] algorithm = format is TlsKeyFormat.RsaPkcs8 or TlsKeyFormat.RsaPkcs1
            ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
            : ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
        if (format is TlsKeyFormat.EcPkcs8 or TlsKeyFormat.RsaPkcs8)
        {
            await RunAsync(["genpkey", .. algorithm, "-out", path], cancellationToken);
            return;
        }

        // -traditional writes the algorithm's own structure: PKCS#1 for RSA, SEC1 for EC.
        var pkcs8 = path + ".pkcs8";
        await RunAsync(["genpkey", .. algorithm, "-out", pkcs8], cancellationToken);
        await RunAsync(["pkey", "-in", pkcs8, "-traditional", "-out", path], cancellationToken);
        File.Delete(pkcs8);
    }

    private async Task RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await ProcessRunner.RunAsync(_openssl, arguments, timeout: CommandTimeout, cancellationToken: cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed ({exitCode}): {output}");
        }
    }

    private static string OpenSslTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), time.Offset);
}
