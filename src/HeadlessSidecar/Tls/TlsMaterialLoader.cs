using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HeadlessSidecar.Certificates;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Tls;

/// <summary>
/// Turns the PEM content of <c>CaFile</c>, <c>CertFile</c> and <c>KeyFile</c> into <see cref="TlsMaterial"/>, refusing
/// what would fail every handshake: a bundle with no certificate, a key that does not match, a certificate already
/// expired. Used by the configuration reader (files checked at start and by <c>validate</c>) and by reloads alike.
/// </summary>
internal static class TlsMaterialLoader
{
    /// <summary>One problem with the files, and the <c>Tls</c> key it belongs to.</summary>
    public readonly record struct Problem(string Key, string Reason);

    /// <summary>Reads and checks the files of <paramref name="options"/>; the problems name their key (<c>CaFile</c>, <c>CertFile</c>, <c>KeyFile</c>).</summary>
    public static TlsMaterial? LoadFiles(TlsOptions options, DateTimeOffset now, long generation, List<Problem> problems)
    {
        byte[]? ca = null, cert = null, key = null;
        if (options.CaFile is { } caFile)
        {
            ca = ReadFile("CaFile", caFile, problems);
        }
        if (options.CertFile is { } certFile)
        {
            cert = ReadFile("CertFile", certFile, problems);
        }
        if (options.KeyFile is { } keyFile)
        {
            key = ReadFile("KeyFile", keyFile, problems);
        }
        if (problems.Count > 0)
        {
            return null;
        }
        return Load(ca, cert, key, now, generation, problems);
    }

    /// <summary>Checks and builds material from file content (null = that file is not configured).</summary>
    public static TlsMaterial? Load(byte[]? ca, byte[]? cert, byte[]? key, DateTimeOffset now, long generation, List<Problem> problems)
    {
        X509Certificate2Collection? roots = null;
        DateTimeOffset? caNotAfter = null;
        if (ca is not null)
        {
            roots = new X509Certificate2Collection();
            try
            {
                roots.ImportFromPem(Encoding.UTF8.GetString(ca));
            }
            catch (CryptographicException)
            {
                problems.Add(new("CaFile", "has a CERTIFICATE block that is not a valid certificate"));
                return null;
            }
            if (roots.Count == 0)
            {
                problems.Add(new("CaFile", "has no PEM CERTIFICATE block"));
                return null;
            }
            var valid = roots.Where(c => new DateTimeOffset(c.NotAfter.ToUniversalTime()) > now).ToList();
            if (valid.Count == 0)
            {
                problems.Add(new("CaFile", $"every certificate in it has expired (the latest at {roots.Max(c => c.NotAfter.ToUniversalTime()):u})"));
                return null;
            }
            caNotAfter = valid.Min(c => new DateTimeOffset(c.NotAfter.ToUniversalTime()));
        }

        System.Net.Security.SslStreamCertificateContext? context = null;
        DateTimeOffset? clientNotAfter = null;
        if (cert is not null && key is not null)
        {
            if (!PemCertificateLoader.TryLoad(Encoding.UTF8.GetString(cert), Encoding.UTF8.GetString(key), out context, out var error))
            {
                // The loader's reasons say which file they are about: "the certificate..." or "the (private) key...".
                problems.Add(new(error!.StartsWith("the certificate", StringComparison.Ordinal) ? "CertFile" : "KeyFile", error));
                return null;
            }
            var leaf = context!.TargetCertificate;
            var leafNotAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
            if (leafNotAfter <= now)
            {
                problems.Add(new("CertFile", $"the certificate ({leaf.Subject}) expired at {leafNotAfter:u}"));
                return null;
            }
            if (new DateTimeOffset(leaf.NotBefore.ToUniversalTime()) > now)
            {
                problems.Add(new("CertFile", $"the certificate ({leaf.Subject}) is not valid before {leaf.NotBefore.ToUniversalTime():u}"));
                return null;
            }
            clientNotAfter = context.IntermediateCertificates.Select(c => new DateTimeOffset(c.NotAfter.ToUniversalTime())).Append(leafNotAfter).Min();
        }
        return new TlsMaterial(generation, context, roots, clientNotAfter, caNotAfter);
    }

    private static byte[]? ReadFile(string key, string path, List<Problem> problems)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            problems.Add(new(key, $"'{path}' does not exist"));
        }
        catch (UnauthorizedAccessException)
        {
            problems.Add(new(key, $"'{path}' cannot be read (permission denied, or a directory)"));
        }
        catch (IOException ex)
        {
            problems.Add(new(key, $"'{path}' cannot be read ({ex.GetType().Name})"));
        }
        return null;
    }
}
