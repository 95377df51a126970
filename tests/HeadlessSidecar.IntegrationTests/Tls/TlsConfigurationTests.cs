using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Tls;

/// <summary>
/// The <c>Tls</c> keys through the real executable: <c>validate</c> (and <c>--no-files</c>) names each problem's key,
/// <c>run</c> refuses the same configuration, and <c>InsecureSkipVerify</c> is warned about at start.
/// </summary>
public sealed class TlsConfigurationTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("hs-tls-config-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>One service <c>web</c> with <paramref name="tls"/> as its <c>Tls</c> section; <paramref name="service"/> adds keys.</summary>
    private string WriteConfig(JsonObject tls, Action<JsonObject>? service = null, IPEndPoint? dns = null, IPEndPoint? admin = null, IPEndPoint? listen = null)
    {
        var web = new JsonObject
        {
            ["Host"] = TestCluster.ServiceName,
            ["PortName"] = "web",
            ["Listen"] = (listen ?? new IPEndPoint(IPAddress.Loopback, 18001)).ToString(),
            ["Tls"] = tls,
        };
        service?.Invoke(web);
        var sidecar = new JsonObject { ["Services"] = new JsonObject { ["web"] = web } };
        if (dns is not null)
        {
            sidecar["Dns"] = new JsonObject
            {
                ["Servers"] = new JsonArray(dns.ToString()),
                ["Search"] = new JsonArray("default.svc.cluster.local", "svc.cluster.local", "cluster.local"),
                ["Ndots"] = 5,
                ["MinRefresh"] = "200ms",
                ["MaxRefresh"] = "1s",
            };
        }
        if (admin is not null)
        {
            sidecar["Admin"] = new JsonObject { ["Listen"] = admin.ToString() };
        }
        var path = Path.Combine(_directory.FullName, $"sidecar-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, new JsonObject { ["Sidecar"] = sidecar }.ToJsonString());
        return path;
    }

    private string Missing(string name) => Path.Combine(_directory.FullName, "absent", name);

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task Validate_MissingFiles_OneLinePerFileNamingItsKey()
    {
        var path = WriteConfig(new JsonObject
        {
            ["Mode"] = "MutualTls",
            ["CaFile"] = Missing("ca.crt"),
            ["CertFile"] = Missing("tls.crt"),
            ["KeyFile"] = Missing("tls.key"),
        });

        var (exit, output) = await SidecarProcess.RunAsync("validate", "--config", path);

        Assert.Equal(2, exit);
        var lines = Lines(output);
        Assert.Contains(lines, l => l.StartsWith("Sidecar:Services:web:Tls:CaFile: ", StringComparison.Ordinal) && l.Contains(Missing("ca.crt"), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Sidecar:Services:web:Tls:CertFile: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Sidecar:Services:web:Tls:KeyFile: ", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_NoFiles_MissingFilesNotOpened_Exits0()
    {
        var path = WriteConfig(new JsonObject
        {
            ["Mode"] = "MutualTls",
            ["CaFile"] = "/etc/headless-sidecar/tls/ca.crt",
            ["CertFile"] = "/etc/headless-sidecar/tls/tls.crt",
            ["KeyFile"] = "/etc/headless-sidecar/tls/tls.key",
        });

        var (exit, output) = await SidecarProcess.RunAsync("validate", "--no-files", "--config", path);

        Assert.True(exit == 0, output);
        var (withFiles, _) = await SidecarProcess.RunAsync("validate", "--config", path);
        Assert.Equal(2, withFiles);
    }

    [Fact]
    public async Task Validate_KeyOfAnotherCertificate_NamesTheMismatch()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var client = await pki.IssueClientAsync("app", cancellationToken: Ct);
        var other = await pki.IssueClientAsync("other", cancellationToken: Ct);
        var path = WriteConfig(new JsonObject
        {
            ["Mode"] = "MutualTls",
            ["CaFile"] = pki.RootCaPath,
            ["CertFile"] = client.CertificatePath,
            ["KeyFile"] = other.KeyPath,
        });

        var (exit, output) = await SidecarProcess.RunAsync("validate", "--config", path);

        Assert.Equal(2, exit);
        var line = Assert.Single(Lines(output), l => l.StartsWith("Sidecar:Services:web:Tls:", StringComparison.Ordinal));
        Assert.True(line.StartsWith("Sidecar:Services:web:Tls:KeyFile: ", StringComparison.Ordinal) ||
                    line.StartsWith("Sidecar:Services:web:Tls:CertFile: ", StringComparison.Ordinal), line);
        Assert.Contains("match", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Validate_ExpiredClientCertificate_NamesCertFile()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var client = await pki.IssueClientAsync("app", expired: true, cancellationToken: Ct);
        var path = WriteConfig(new JsonObject
        {
            ["Mode"] = "MutualTls",
            ["CaFile"] = pki.RootCaPath,
            ["CertFile"] = client.CertificatePath,
            ["KeyFile"] = client.KeyPath,
        });

        var (exit, output) = await SidecarProcess.RunAsync("validate", "--config", path);

        Assert.Equal(2, exit);
        Assert.Contains(Lines(output), l => l.StartsWith("Sidecar:Services:web:Tls:CertFile: ", StringComparison.Ordinal) &&
                                            l.Contains("expired", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Validate_MutualTlsWithoutCertificate_NamesCertFile()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var path = WriteConfig(new JsonObject { ["Mode"] = "MutualTls", ["CaFile"] = pki.RootCaPath });

        var (exit, output) = await SidecarProcess.RunAsync("validate", "--config", path);

        Assert.Equal(2, exit);
        Assert.Contains(Lines(output), l => l.StartsWith("Sidecar:Services:web:Tls:CertFile: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_TlsOnMySqlService_NamesModeAndSaysWhy()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var path = WriteConfig(new JsonObject { ["Mode"] = "Tls", ["CaFile"] = pki.RootCaPath }, web =>
        {
            web["Protocol"] = "Tcp";
            web["Role"] = "Primary";
            web["Health"] = new JsonObject { ["Check"] = "MySql", ["CredentialsFile"] = "/etc/headless-sidecar/credentials/mysql" };
        });

        var (exit, output) = await SidecarProcess.RunAsync("validate", "--no-files", "--config", path);

        Assert.Equal(2, exit);
        Assert.Contains(Lines(output), l => l.StartsWith("Sidecar:Services:web:Tls:Mode: ", StringComparison.Ordinal) &&
                                            l.Contains("MySQL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_MissingCaFile_Exits2NamingTheKey()
    {
        var path = WriteConfig(new JsonObject { ["Mode"] = "Tls", ["CaFile"] = Missing("ca.crt") });

        var (exit, output) = await SidecarProcess.RunAsync("run", "--config", path);

        Assert.Equal(2, exit);
        Assert.Contains("Sidecar:Services:web:Tls:CaFile: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InsecureSkipVerify_WarnsAtStartAndServesAWrongNamePod()
    {
        await using var cluster = await NginxTlsCluster.StartAsync(1, Ct, certificate: (pki, _, _) => pki.WrongNameCertificateAsync(Ct));
        var admin = SidecarProcess.UniqueAdminEndPoint();
        var listenAddress = LoopbackAddresses.Next();
        var listen = new IPEndPoint(listenAddress, LoopbackAddresses.FreePort(listenAddress));
        var path = WriteConfig(new JsonObject { ["Mode"] = "Tls", ["CaFile"] = cluster.Pki.RootCaPath, ["InsecureSkipVerify"] = true },
            dns: cluster.Dns.EndPoint, admin: admin, listen: listen);

        await using var process = SidecarProcess.Start("run", "--config", path);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        await Poll.UntilAsync(async ct => (await client.GetAsync($"http://{admin}/readyz", ct)).StatusCode == HttpStatusCode.OK,
            "the sidecar ready", TimeSpan.FromSeconds(30), process.Describe, Ct);

        string? Warning() => Lines(process.StandardOutput + process.StandardError)
            .FirstOrDefault(l => l.Contains("InsecureSkipVerify", StringComparison.Ordinal));
        await Poll.UntilAsync(_ => Task.FromResult(Warning() is not null), "the InsecureSkipVerify warning", describe: process.Describe, cancellationToken: Ct);
        Assert.Contains("web", Warning(), StringComparison.Ordinal);
        using var response = await client.GetAsync($"http://{listen}/", Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct) + process.Describe());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(NginxTlsCluster.PodFqdn("web-0"), body.RootElement.GetProperty("sni").GetString());
    }
}
