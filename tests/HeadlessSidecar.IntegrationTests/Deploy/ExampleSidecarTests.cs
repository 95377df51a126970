using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>
/// Each example's sidecar.json, as its ConfigMap carries it, through the real executable: <c>validate</c> accepts it,
/// and <c>run</c> with it becomes ready against the example's StatefulSets served from Knot and proxies to them.
/// Only what a pod provides differently is overridden: cluster DNS, and the addresses, which must not collide
/// with other tests on this machine.
/// </summary>
public sealed class ExampleSidecarTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("headless-sidecar-example-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [MemberData(nameof(Example.Names), MemberType = typeof(Example))]
    public async Task Validate_ExampleSidecarJson_Exits0(string name)
    {
        var example = await Example.RenderAsync(name, Ct);
        var (exit, output) = await SidecarProcess.RunAsync("validate", "--config", WriteConfigMapFile(example));
        Assert.True(exit == 0, output);
        Assert.Contains("configuration is valid", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Example.Names), MemberType = typeof(Example))]
    public async Task Run_ExampleSidecarJson_BecomesReady_FindsThePods_Proxies(string name)
    {
        var example = await Example.RenderAsync(name, Ct);
        await using var cluster = await ExampleCluster.StartAsync(example, Ct);
        var admin = SidecarProcess.UniqueAdminEndPoint();
        var listens = new Dictionary<string, IPEndPoint>(StringComparer.Ordinal);
        List<string> arguments =
        [
            "run", "--config", WriteConfigMapFile(example),
            $"--Sidecar:Admin:Listen={admin}",
            $"--Sidecar:Dns:Servers:0={cluster.Dns.EndPoint}",
            "--Sidecar:Dns:Search:0=default.svc.cluster.local", "--Sidecar:Dns:Search:1=svc.cluster.local", "--Sidecar:Dns:Search:2=cluster.local",
            "--Sidecar:Dns:Ndots=5",
        ];
        foreach (var (service, options) in example.ConfiguredServices)
        {
            var address = LoopbackAddresses.Next();
            listens[service] = new IPEndPoint(address, LoopbackAddresses.FreePort(address));
            arguments.Add($"--Sidecar:Services:{service}:Listen={listens[service]}");
            if (options["OrdinalPortBase"] is not null)
            {
                arguments.Add($"--Sidecar:Services:{service}:OrdinalPortBase={LoopbackAddresses.FreePort(IPAddress.Loopback)}");
            }
        }

        await using var process = SidecarProcess.Start([.. arguments]);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{admin}/"), Timeout = TimeSpan.FromSeconds(10) };
        await Poll.UntilAsync(async ct => (await client.GetAsync("readyz", ct)).StatusCode == HttpStatusCode.OK, $"{name}: sidecar ready",
            TimeSpan.FromSeconds(30), process.Describe, Ct);

        foreach (var (service, options) in example.ConfiguredServices)
        {
            var expected = cluster.Pods[Manifest.RequiredText(example.ServiceFor(options), "metadata.name")];
            await Poll.UntilAsync(async ct => (await PodNamesAsync(client, service, ct)).SequenceEqual(expected), $"{name}: {service} lists {string.Join(",", expected)}",
                TimeSpan.FromSeconds(20), process.Describe, Ct);

            if (options["Protocol"]?.GetValue<string>() == "Tcp")
            {
                // The Redis probe has learnt the roles: redis-0 is the primary, the others replicate it.
                await Poll.UntilAsync(async ct => await RoleAsync(client, service, ct) is { Count: 3 } roles &&
                    roles.All(r => r.Value == (r.Key.EndsWith("-0", StringComparison.Ordinal) ? "primary" : "replica")), $"{name}: {service} roles",
                    TimeSpan.FromSeconds(20), process.Describe, Ct);
                Assert.Equal("+PONG", await RedisPingAsync(listens[service]));
            }
            else
            {
                using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
                using var response = await http.GetAsync(new Uri($"http://{listens[service]}/"), Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Contains(Assert.Single(response.Headers.GetValues("X-Headless-Pod")), expected);
            }
        }
    }

    private string WriteConfigMapFile(Example example)
    {
        var path = Path.Combine(_directory.FullName, $"{example.Name}-sidecar.json");
        File.WriteAllText(path, example.SidecarJson);
        return path;
    }

    private static async Task<string[]> PodNamesAsync(HttpClient admin, string service, CancellationToken cancellationToken)
    {
        var peers = await admin.GetFromJsonAsync<JsonElement>("debug/peers", cancellationToken);
        var entry = peers.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == service);
        return [.. entry.GetProperty("pods").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)];
    }

    private static async Task<Dictionary<string, string>> RoleAsync(HttpClient admin, string service, CancellationToken cancellationToken)
    {
        var peers = await admin.GetFromJsonAsync<JsonElement>("debug/peers", cancellationToken);
        var entry = peers.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == service);
        return entry.GetProperty("pods").EnumerateArray()
            .Where(p => p.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String)
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("role").GetString()!, StringComparer.Ordinal);
    }

    private static async Task<string> RedisPingAsync(IPEndPoint listen)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(listen, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), Ct);
        var buffer = new byte[64];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read).TrimEnd();
    }
}
