using System.Net;
using System.Text.Json.Nodes;
using HeadlessSidecar.Commands;
using HeadlessSidecar.Injection.Yaml;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>The container inject writes works: its args, with the ConfigMap mounted where it says, start a real
/// sidecar that passes the probes inject declares.</summary>
public sealed class InjectedSidecarTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("headless-sidecar-injected-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Delete(recursive: true);

    private const string Client = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web-client
          namespace: default
        spec:
          selector:
            matchLabels: {app: web-client}
          template:
            metadata:
              labels: {app: web-client}
            spec:
              containers:
              - name: client
                image: curlimages/curl:8.10.1
        """;

    [Fact]
    public async Task InjectedContainer_ArgsWithConfigAtItsMountPath_SidecarBecomesReady()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, await InjectCommand.RunAsync([], inject: true, new StringReader(Client), stdout, stderr));
        var deployment = YamlMeaning.ToJson(ManifestStreamReader.Read(stdout.ToString())[0].Root)!;
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var sidecar = pod["initContainers"]![0]!;
        var args = sidecar["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray();
        var mount = sidecar["volumeMounts"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == pod["volumes"]![0]!["name"]!.GetValue<string>())!;
        var mountPath = mount["mountPath"]!.GetValue<string>();
        Assert.Contains(args, a => a.StartsWith(mountPath + "/", StringComparison.Ordinal));

        // The ConfigMap's key sidecar.json becomes a file of that name in the mounted directory; here the directory is a
        // temporary one, and only the path prefix of the args changes.
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        var mounted = Directory.CreateDirectory(Path.Combine(_directory.FullName, "config")).FullName;
        var listenAddress = LoopbackAddresses.Next();
        var listen = new IPEndPoint(listenAddress, LoopbackAddresses.FreePort(listenAddress));
        var admin = SidecarProcess.UniqueAdminEndPoint();
        SidecarProcess.WriteConfig(mounted, cluster.Dns.EndPoint, listen, admin);
        var remapped = args.Select(a => a.StartsWith(mountPath + "/", StringComparison.Ordinal) ? Path.Combine(mounted, a[(mountPath.Length + 1)..]) : a).ToArray();
        Assert.True(File.Exists(remapped[Array.IndexOf(remapped, "--config") + 1]));

        await using var process = SidecarProcess.Start(remapped);
        using var client = new HttpClient { BaseAddress = new Uri($"http://{admin}/") };
        foreach (var probe in (string[])["startupProbe", "readinessProbe", "livenessProbe"])
        {
            var path = sidecar[probe]!["httpGet"]!["path"]!.GetValue<string>();
            await Poll.UntilAsync(async ct => (await client.GetAsync(path.TrimStart('/'), ct)).StatusCode == HttpStatusCode.OK, $"{probe} {path} 200",
                describe: process.Describe, cancellationToken: Ct);
        }
        using var response = await new HttpClient().GetAsync($"http://{listen}/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web-0", response.Headers.GetValues("X-Headless-Pod").Single());
    }

    [Fact]
    public async Task Inject_RealExecutableOnBadYaml_Exit2OneLineNothingElse()
    {
        var path = Path.Combine(_directory.FullName, "bad.yaml");
        await File.WriteAllTextAsync(path, Client + "\n---\nkind: [\n", Ct);
        var (exit, output) = await SidecarProcess.RunAsync("inject", "-f", path);
        Assert.Equal(2, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"headless-sidecar: {path}: document 2: invalid YAML", line, StringComparison.Ordinal);
    }
}
