using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.Tests.FileWatching;
using YamlDotNet.RepresentationModel;
using static HeadlessSidecar.IntegrationTests.Deploy.Manifest;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>
/// deploy/examples/tls rendered: cert-manager's resources name what the sidecar checks, injection mounts the
/// client's Secret where sidecar.json reads it, and that sidecar.json serves real TLS Redis pods whose
/// certificates carry the example's names.
/// </summary>
public sealed class TlsExampleTests : IDisposable
{
    private const string TlsDirectory = "/etc/headless-sidecar/tls/";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("hs-tls-example-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Delete(recursive: true);

    private static YamlMappingNode Certificate(Example example, string secretName) =>
        Assert.Single(example.Manifest.OfKind("Certificate"), c => Text(c, "spec.secretName") == secretName);

    private string WriteConfigMapFile(Example example)
    {
        var path = Path.Combine(_directory.FullName, "sidecar.json");
        File.WriteAllText(path, example.SidecarJson);
        return path;
    }

    [Fact]
    public async Task Render_Certificates_NameEveryPodAndTheClientSecretIsTheAnnotatedOne()
    {
        var example = await Example.RenderAsync("tls", Ct);
        var (_, options) = Assert.Single(example.ConfiguredServices);
        var service = example.ServiceFor(options);
        var statefulSet = example.StatefulSetFor(service);
        var host = options["Host"]!.GetValue<string>();

        // The pods' certificate: mounted by the StatefulSet, naming the wildcard and every replica as CoreDNS does.
        var serverSecret = Assert.Single(List(statefulSet, "spec.template.spec.volumes"), v => Text(v, "secret.secretName") is not null);
        var server = Certificate(example, RequiredText(serverSecret, "secret.secretName"));
        var names = Texts(server, "spec.dnsNames");
        Assert.Contains("*." + host, names);
        var replicas = int.Parse(RequiredText(statefulSet, "spec.replicas"), CultureInfo.InvariantCulture);
        for (var i = 0; i < replicas; i++)
        {
            Assert.Contains($"{RequiredText(statefulSet, "metadata.name")}-{i.ToString(CultureInfo.InvariantCulture)}.{host}", names);
        }
        Assert.Contains("server auth", Texts(server, "spec.usages"));

        // The client's certificate is the Secret the client's pod template hands its sidecar.
        var annotations = Map(example.Client, "spec.template.metadata.annotations");
        var client = Certificate(example, annotations["headless-sidecar.io/tls-secret"]);
        Assert.Contains("client auth", Texts(client, "spec.usages"));

        // Both come from an issuer of the example, itself signed by a CA Certificate of the example.
        foreach (var certificate in new[] { server, client })
        {
            var issuer = example.Manifest.Single(RequiredText(certificate, "spec.issuerRef.kind"), RequiredText(certificate, "spec.issuerRef.name"));
            Certificate(example, RequiredText(issuer, "spec.ca.secretName"));
        }

        var tls = options["Tls"]!;
        Assert.Equal("MutualTls", tls["Mode"]!.GetValue<string>());
        Assert.Equal(TlsDirectory + "ca.crt", tls["CaFile"]!.GetValue<string>());
        Assert.Equal(TlsDirectory + "tls.crt", tls["CertFile"]!.GetValue<string>());
        Assert.Equal(TlsDirectory + "tls.key", tls["KeyFile"]!.GetValue<string>());
    }

    [Fact]
    public async Task Validate_SidecarJson_ValidWithNoFiles_FilesExistOnlyInThePod()
    {
        var example = await Example.RenderAsync("tls", Ct);
        var config = WriteConfigMapFile(example);

        var (exit, output) = await SidecarProcess.RunAsync("validate", "--no-files", "--config", config);
        var (withFiles, withFilesOutput) = await SidecarProcess.RunAsync("validate", "--config", config);

        Assert.True(exit == 0, output);
        Assert.Equal(2, withFiles);
        Assert.Contains($"Sidecar:Services:redis:Tls:CaFile: '{TlsDirectory}ca.crt'", withFilesOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_Client_SidecarMountsTheClientSecretAtTheTlsDirectory()
    {
        var rendered = Path.Combine(_directory.FullName, "rendered.yaml");
        await File.WriteAllTextAsync(rendered, await Kubectl.KustomizeAsync(DeployTree.PathOf("examples/tls"), Ct), Ct);

        var (exit, output) = await SidecarProcess.RunAsync("inject", "-f", rendered);

        Assert.True(exit == 0, output);
        var client = Parse(output).Single("Deployment", "redis-tls-client");
        var sidecar = Assert.Single(List(client, "spec.template.spec.initContainers"), c => Text(c, "name") == "headless-sidecar");
        var mount = Assert.Single(List(sidecar, "volumeMounts"), m => Text(m, "mountPath") == TlsDirectory.TrimEnd('/'));
        Assert.Equal("true", Text(mount, "readOnly"));
        var volume = Assert.Single(List(client, "spec.template.spec.volumes"), v => Text(v, "name") == Text(mount, "name"));
        Assert.Equal("redis-tls-client", Text(volume, "secret.secretName"));
        Assert.All(List(client, "spec.template.spec.containers"),
            c => Assert.DoesNotContain(List(c, "volumeMounts"), m => Text(m, "name") == Text(mount, "name")));
    }

    [Fact]
    public async Task Run_SidecarJson_TlsRedisPodsWithTheExampleNames_PlaintextPingGetsPong()
    {
        var example = await Example.RenderAsync("tls", Ct);
        var (name, options) = Assert.Single(example.ConfiguredServices);
        var host = options["Host"]!.GetValue<string>();
        var server = Certificate(example, "redis-tls-server");
        using var pki = await TestPki.CreateAsync(Ct);
        var serverFiles = await pki.IssueServerAsync(Texts(server, "spec.dnsNames"), cancellationToken: Ct);
        var clientFiles = await pki.IssueClientAsync(RequiredText(Certificate(example, "redis-tls-client"), "spec.commonName"), cancellationToken: Ct);
        // The client's Secret as the kubelet mounts it; the paths differ from the pod's only by their directory.
        using var secret = MountedVolume.Create(clientFiles.SecretData);

        var addresses = LoopbackAddresses.Next(3);
        var port = LoopbackAddresses.FreePort(addresses);
        var pods = new List<RedisTlsPod>();
        try
        {
            var zone = new ClusterZone { Ttl = 1, NegativeTtl = 1 };
            var labels = host.Split('.');
            var headless = zone.AddService(labels[0], labels[1], (options["PortName"]!.GetValue<string>(), port));
            for (var i = 0; i < 3; i++)
            {
                var pod = $"redis-tls-{i.ToString(CultureInfo.InvariantCulture)}";
                pods.Add(await RedisTlsPod.StartAsync(pod, addresses[i], serverFiles, port, TlsClientVerification.Required, pki.RootCaPath,
                    cancellationToken: Ct));
                headless.AddPod(pod, addresses[i]);
            }
            await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
            var admin = SidecarProcess.UniqueAdminEndPoint();
            var listenAddress = LoopbackAddresses.Next();
            var listen = new IPEndPoint(listenAddress, LoopbackAddresses.FreePort(listenAddress));
            await using var process = SidecarProcess.Start(
                "run", "--config", WriteConfigMapFile(example),
                $"--Sidecar:Admin:Listen={admin}",
                $"--Sidecar:Dns:Servers:0={dns.EndPoint}",
                "--Sidecar:Dns:Search:0=default.svc.cluster.local", "--Sidecar:Dns:Ndots=5",
                $"--Sidecar:Services:{name}:Listen={listen}",
                $"--Sidecar:Services:{name}:Tls:CaFile={secret.PathOf("ca.crt")}",
                $"--Sidecar:Services:{name}:Tls:CertFile={secret.PathOf("tls.crt")}",
                $"--Sidecar:Services:{name}:Tls:KeyFile={secret.PathOf("tls.key")}");
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            await Poll.UntilAsync(async ct => (await http.GetAsync($"http://{admin}/readyz", ct)).StatusCode == HttpStatusCode.OK,
                "the example's sidecar ready", TimeSpan.FromSeconds(30), process.Describe, Ct);

            // Role Primary: the Redis probe (over TLS) must have seen a primary before a connection is placed.
            await Poll.UntilAsync(async ct => await PingAsync(listen, ct) == "+PONG", "PING through the sidecar", TimeSpan.FromSeconds(20),
                process.Describe, Ct);
        }
        finally
        {
            foreach (var pod in pods)
            {
                await pod.DisposeAsync();
            }
        }
    }

    private static async Task<string> PingAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endPoint, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.ASCII.GetString(buffer, 0, read).TrimEnd();
    }
}
