namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A certificate issued by <see cref="TestPki"/>: <see cref="CertificatePath"/> holds the leaf followed by its
/// intermediates (as cert-manager's <c>tls.crt</c>), <see cref="KeyPath"/> its key, <see cref="CaPath"/> the root
/// that verifies it (as <c>ca.crt</c>).
/// </summary>
public sealed record TlsFiles(
    string Name,
    string CertificatePath,
    string KeyPath,
    string CaPath,
    string Subject,
    IReadOnlyList<string> DnsNames,
    DateTimeOffset NotAfter)
{
    public string CertificatePem => File.ReadAllText(CertificatePath);

    public string KeyPem => File.ReadAllText(KeyPath);

    public string CaPem => File.ReadAllText(CaPath);

    /// <summary>The keys of a cert-manager Secret (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>) with this material, for a mounted volume.</summary>
    public IReadOnlyDictionary<string, string> SecretData => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["tls.crt"] = CertificatePem,
        ["tls.key"] = KeyPem,
        ["ca.crt"] = CaPem,
    };
}
