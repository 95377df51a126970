using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.Tests.FileWatching;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HeadlessSidecar.IntegrationTests.Reload;

/// <summary>
/// The real executable in front of a <see cref="TestCluster"/>, run with <c>--config</c> on a file the test rewrites:
/// in place, as an editor or <c>kubectl cp</c> would, or as a mounted ConfigMap through the kubelet's <c>..data</c>
/// symlink swap. A child process, so SIGHUP and environment variables reach it as they reach a deployed sidecar.
/// </summary>
internal sealed class ReloadingSidecar : IAsyncDisposable
{
    public const string ConfigKey = "sidecar.json";

    private readonly DirectoryInfo? _directory;
    private readonly MountedVolume? _volume;

    private ReloadingSidecar(TestCluster cluster, ProcessRunner process, IPEndPoint listen, IPEndPoint admin, JsonObject sidecar,
        string configPath, DirectoryInfo? directory, MountedVolume? volume)
    {
        Cluster = cluster;
        Process = process;
        AppEndPoint = listen;
        AdminEndPoint = admin;
        Settings = sidecar;
        ConfigPath = configPath;
        _directory = directory;
        _volume = volume;
        AdminClient = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{admin}/"), Timeout = TimeSpan.FromSeconds(30) };
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{listen}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public TestCluster Cluster { get; }

    public ProcessRunner Process { get; }

    public IPEndPoint AppEndPoint { get; }

    public IPEndPoint AdminEndPoint { get; }

    /// <summary>The <c>Sidecar</c> section as last written.</summary>
    public JsonObject Settings { get; private set; }

    /// <summary>The <c>--config</c> path: a plain file, or a ConfigMap key's symlink through <c>..data</c>.</summary>
    public string ConfigPath { get; }

    public HttpClient AdminClient { get; }

    /// <summary>Talks to service <c>web</c>'s listener.</summary>
    public HttpClient Client { get; }

    /// <summary>Everything the sidecar logged (every log line goes to stderr).</summary>
    public string Log => Process.StandardError;

    /// <param name="configMap">Mount the configuration as the kubelet mounts a ConfigMap (updates swap <c>..data</c>).</param>
    /// <param name="service">Extra keys of service <c>web</c>.</param>
    /// <param name="environment">Extra environment variables of the process.</param>
    /// <param name="overrides">Command-line overrides after <c>--config</c>.</param>
    public static async Task<ReloadingSidecar> StartAsync(bool configMap = false, JsonObject? service = null,
        IReadOnlyDictionary<string, string>? environment = null, string[]? overrides = null, int pods = 2, CancellationToken cancellationToken = default)
    {
        var cluster = await TestCluster.StartAsync(pods, HttpProtocols.Http1, cancellationToken);
        var listenAddress = LoopbackAddresses.Next();
        var listen = new IPEndPoint(listenAddress, LoopbackAddresses.FreePort(listenAddress));
        var admin = SidecarProcess.UniqueAdminEndPoint();
        var sidecar = Limits.ProcessSidecar.SidecarSection(cluster, listen, admin, service, drainTimeout: "5s");
        DirectoryInfo? directory = null;
        MountedVolume? volume = null;
        string path;
        if (configMap)
        {
            volume = MountedVolume.Create(new Dictionary<string, string> { [ConfigKey] = Render(sidecar) });
            path = volume.PathOf(ConfigKey);
        }
        else
        {
            directory = Directory.CreateTempSubdirectory("headless-sidecar-reload-");
            path = Path.Combine(directory.FullName, ConfigKey);
            await File.WriteAllTextAsync(path, Render(sidecar), cancellationToken);
        }
        var process = SidecarProcess.Start(environment ?? new Dictionary<string, string>(), ["run", "--config", path, .. overrides ?? []]);
        var reloading = new ReloadingSidecar(cluster, process, listen, admin, sidecar, path, directory, volume);
        try
        {
            await Poll.UntilAsync(async ct => (await reloading.AdminClient.GetAsync("readyz", ct)).StatusCode == HttpStatusCode.OK,
                "sidecar ready", TimeSpan.FromSeconds(30), process.Describe, cancellationToken);
        }
        catch
        {
            await reloading.DisposeAsync();
            throw;
        }
        return reloading;
    }

    private static string Render(JsonObject sidecar) =>
        new JsonObject { ["Sidecar"] = sidecar.DeepClone() }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Writes the configuration changed by <paramref name="change"/> (a ConfigMap: one atomic swap).</summary>
    public async Task WriteAsync(Action<JsonObject> change, CancellationToken cancellationToken = default)
    {
        var next = (JsonObject)Settings.DeepClone();
        change(next);
        await WriteRawAsync(Render(next), cancellationToken);
        Settings = next;
    }

    /// <summary>Writes <paramref name="content"/> as the whole file, valid or not.</summary>
    public async Task WriteRawAsync(string content, CancellationToken cancellationToken = default)
    {
        if (_volume is not null)
        {
            _volume.Update(new Dictionary<string, string> { [ConfigKey] = content });
        }
        else
        {
            await File.WriteAllTextAsync(ConfigPath, content, cancellationToken);
        }
    }

    /// <summary>The configuration file as last written.</summary>
    public string Rendered => Render(Settings);

    /// <summary>Waits until the sidecar has logged a line containing <paramref name="text"/> (the console logger
    /// writes on its own thread, so a line may trail the metric it explains).</summary>
    public Task WaitForLogAsync(string text, CancellationToken cancellationToken = default) =>
        Poll.UntilAsync(_ => Task.FromResult(Log.Contains(text, StringComparison.Ordinal)), $"a log line with '{text}'",
            TimeSpan.FromSeconds(10), Process.Describe, cancellationToken);

    public Task<string> MetricsAsync(CancellationToken cancellationToken = default) => AdminClient.GetStringAsync("metrics", cancellationToken);

    /// <summary>config_reloads_total by result and config_last_reload_successful, as scraped.</summary>
    public async Task<(double Success, double Failure, double LastSuccessful)> ReloadMetricsAsync(CancellationToken cancellationToken = default)
    {
        var metrics = await MetricsAsync(cancellationToken);
        return (TestSidecar.Series(metrics, "headless_sidecar_config_reloads_total", ("result", "success")) ?? double.NaN,
            TestSidecar.Series(metrics, "headless_sidecar_config_reloads_total", ("result", "failure")) ?? double.NaN,
            TestSidecar.Series(metrics, "headless_sidecar_config_last_reload_successful") ?? double.NaN);
    }

    /// <summary>Waits until the counters read exactly <paramref name="success"/> and <paramref name="failure"/>.</summary>
    public Task WaitForReloadsAsync(int success, int failure, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Poll.UntilAsync(async ct =>
        {
            var (s, f, _) = await ReloadMetricsAsync(ct);
            if (s > success || f > failure)
            {
                throw new InvalidOperationException($"more reloads than awaited: success {s}, failure {f}{Process.Describe()}");
            }
            return s == success && f == failure;
        }, $"config_reloads_total success={success} failure={failure}", timeout ?? TimeSpan.FromSeconds(15), Process.Describe, cancellationToken);

    public async Task<JsonElement> DebugConfigAsync(CancellationToken cancellationToken = default)
    {
        using var document = JsonDocument.Parse(await AdminClient.GetStringAsync("debug/config", cancellationToken));
        return document.RootElement.Clone();
    }

    /// <summary>One value of service <c>web</c> in <c>/debug/config</c>, e.g. <c>LoadBalancing</c> or <c>Retry:MaxAttempts</c>.</summary>
    public async Task<string> WebSettingAsync(string key, CancellationToken cancellationToken = default)
    {
        var element = (await DebugConfigAsync(cancellationToken)).GetProperty("Sidecar").GetProperty("Services").GetProperty("web");
        foreach (var part in key.Split(':'))
        {
            element = element.GetProperty(part);
        }
        return element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
    }

    public Task SignalAsync(string signal) => SidecarProcess.SignalAsync(Process.Id, signal);

    public async ValueTask DisposeAsync()
    {
        AdminClient.Dispose();
        Client.Dispose();
        await Process.DisposeAsync();
        await Cluster.DisposeAsync();
        _directory?.Delete(recursive: true);
        _volume?.Dispose();
    }
}
