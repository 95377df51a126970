using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HeadlessSidecar.IntegrationTests.Limits;

/// <summary>
/// The real executable (inline socket completions as shipped, unless the test says otherwise) in front of a
/// <see cref="TestCluster"/>, with <c>Sidecar</c> settings of the test's own: hostile clients meet the process a
/// user runs.
/// </summary>
internal sealed class ProcessSidecar : IAsyncDisposable
{
    private readonly DirectoryInfo _directory;

    private ProcessSidecar(TestCluster cluster, ProcessRunner process, IPEndPoint listen, IPEndPoint admin, DirectoryInfo directory)
    {
        Cluster = cluster;
        Process = process;
        AppEndPoint = listen;
        AdminEndPoint = admin;
        _directory = directory;
        AdminClient = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{admin}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public TestCluster Cluster { get; }

    public ProcessRunner Process { get; }

    public IPEndPoint AppEndPoint { get; }

    public IPEndPoint AdminEndPoint { get; }

    public HttpClient AdminClient { get; }

    /// <param name="sidecar">Extra keys under <c>Sidecar</c> (e.g. <c>Limits</c>, <c>DrainDelay</c>).</param>
    /// <param name="service">Extra keys of service <c>web</c>.</param>
    /// <param name="environment">Extra environment variables of the process.</param>
    public static async Task<ProcessSidecar> StartAsync(JsonObject? sidecar = null, JsonObject? service = null,
        IReadOnlyDictionary<string, string>? environment = null, int pods = 1, CancellationToken cancellationToken = default)
    {
        var cluster = await TestCluster.StartAsync(pods, HttpProtocols.Http1, cancellationToken);
        var directory = Directory.CreateTempSubdirectory("headless-sidecar-limits-");
        var listenAddress = LoopbackAddresses.Next();
        var listen = new IPEndPoint(listenAddress, LoopbackAddresses.FreePort(listenAddress));
        var admin = SidecarProcess.UniqueAdminEndPoint();
        var root = SidecarSection(cluster, listen, admin, service, drainTimeout: "10s");
        foreach (var (key, value) in sidecar ?? [])
        {
            root[key] = value?.DeepClone();
        }
        var path = Path.Combine(directory.FullName, "sidecar.json");
        await File.WriteAllTextAsync(path, new JsonObject { ["Sidecar"] = root }.ToJsonString(), cancellationToken);
        var process = SidecarProcess.Start(environment ?? new Dictionary<string, string>(), "run", "--config", path);
        var sidecarProcess = new ProcessSidecar(cluster, process, listen, admin, directory);
        try
        {
            await Poll.UntilAsync(async ct => (await sidecarProcess.AdminClient.GetAsync("readyz", ct)).StatusCode == HttpStatusCode.OK,
                "sidecar ready", describe: process.Describe, cancellationToken: cancellationToken);
        }
        catch
        {
            await sidecarProcess.DisposeAsync();
            throw;
        }
        return sidecarProcess;
    }

    /// <summary>
    /// The <c>Sidecar</c> section of a one-service sidecar process: service <c>web</c> (plus <paramref name="service"/>'s
    /// keys) on <paramref name="listen"/> over <paramref name="cluster"/>'s DNS, its admin on <paramref name="admin"/>.
    /// </summary>
    internal static JsonObject SidecarSection(TestCluster cluster, IPEndPoint listen, IPEndPoint admin, JsonObject? service, string drainTimeout)
    {
        var web = new JsonObject { ["Host"] = TestCluster.ServiceName, ["PortName"] = "web", ["Listen"] = listen.ToString() };
        foreach (var (key, value) in service ?? [])
        {
            web[key] = value?.DeepClone();
        }
        return new JsonObject
        {
            ["Admin"] = new JsonObject { ["Listen"] = admin.ToString() },
            ["DrainTimeout"] = drainTimeout,
            ["Dns"] = new JsonObject
            {
                ["Servers"] = new JsonArray(cluster.Dns.EndPoint.ToString()),
                ["Search"] = new JsonArray("default.svc.cluster.local", "svc.cluster.local", "cluster.local"),
                ["Ndots"] = 5,
                ["MinRefresh"] = "200ms",
                ["MaxRefresh"] = "1s",
            },
            ["Services"] = new JsonObject { ["web"] = web },
        };
    }

    public Task<string> MetricsAsync(CancellationToken cancellationToken) => AdminClient.GetStringAsync("metrics", cancellationToken);

    /// <summary>The process's resident set, from /proc.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    /// <summary>
    /// One HTTP/1.1 GET on a new connection, start of connect to end of response: what another client of the
    /// sidecar sees while something else is going on.
    /// </summary>
    public async Task<TimeSpan> TimeNewConnectionRequestAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var client = new TcpClient();
        await client.ConnectAsync(AppEndPoint, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), cancellationToken);
        var buffer = new byte[4096];
        var received = new StringBuilder();
        while (await stream.ReadAsync(buffer, cancellationToken) is var read and > 0)
        {
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        Assert.StartsWith("HTTP/1.1 200", received.ToString(), StringComparison.Ordinal);
        return Stopwatch.GetElapsedTime(started);
    }

    public async ValueTask DisposeAsync()
    {
        AdminClient.Dispose();
        await Process.DisposeAsync();
        await Cluster.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
