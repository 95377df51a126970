using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Hosting;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>The sidecar in-process, configured against a <see cref="TestCluster"/>'s DNS, on free loopback ports.</summary>
internal sealed class TestSidecar : IAsyncDisposable
{
    private readonly SidecarHost _host;

    private TestSidecar(SidecarHost host, SidecarOptions options, Dictionary<string, string?> settings)
    {
        _host = host;
        Settings = settings;
        Options = options;
        Listen = options.Services[0].Listen;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = new Uri($"http://{Listen}/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        AdminEndPoint = host.AdminEndPoint;
        var adminAddress = IsWildcard(AdminEndPoint.Address) ? IPAddress.Loopback : AdminEndPoint.Address;
        Admin = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://{new IPEndPoint(adminAddress, AdminEndPoint.Port)}/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public SidecarOptions Options { get; }

    /// <summary>The settings in effect: start-up's, then each <see cref="ReloadAsync"/>'s that applied.</summary>
    public Dictionary<string, string?> Settings { get; private set; }

    /// <summary>
    /// A reload as the sidecar does one: the settings changed by <paramref name="change"/> (a null value removes a key)
    /// read and validated by the reader, then handed to the applier.
    /// </summary>
    public async Task<global::HeadlessSidecar.Reload.ReloadChanges> ReloadAsync(Action<Dictionary<string, string?>> change, CancellationToken cancellationToken = default)
    {
        var next = new Dictionary<string, string?>(Settings);
        change(next);
        foreach (var key in next.Where(e => e.Value is null).Select(e => e.Key).ToList())
        {
            next.Remove(key);
        }
        var options = SidecarOptionsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(next).Build(), out var errors);
        Assert.Empty(errors);
        var changes = await Services.GetRequiredService<global::HeadlessSidecar.Reload.IConfigurationApplier>().ApplyAsync(options, cancellationToken);
        Settings = next;
        return changes;
    }

    /// <summary>The admin listener's bound address; <see cref="Admin"/> talks to it (to 127.0.0.1 when it is a wildcard).</summary>
    public IPEndPoint AdminEndPoint { get; }

    public IPEndPoint Listen { get; }

    /// <summary>Talks to the first service's listener.</summary>
    public HttpClient Client { get; }

    public HttpClient Admin { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>Settings for one service <c>web</c> over SRV; <paramref name="configure"/> changes or adds keys.</summary>
    public static async Task<TestSidecar> StartAsync(IPEndPoint dns, Action<Dictionary<string, string?>>? configure = null, bool waitReady = true,
        CancellationToken cancellationToken = default)
    {
        var listenAddress = LoopbackAddresses.Next();
        var settings = new Dictionary<string, string?>
        {
            ["Sidecar:Admin:Listen"] = "127.0.0.1:0",
            ["Sidecar:DrainTimeout"] = "5s",
            ["Sidecar:Dns:Servers:0"] = dns.ToString(),
            ["Sidecar:Dns:Search:0"] = "default.svc.cluster.local",
            ["Sidecar:Dns:Search:1"] = "svc.cluster.local",
            ["Sidecar:Dns:Search:2"] = "cluster.local",
            ["Sidecar:Dns:Ndots"] = "5",
            ["Sidecar:Dns:Timeout"] = "500ms",
            ["Sidecar:Dns:MinRefresh"] = "200ms",
            ["Sidecar:Dns:MaxRefresh"] = "1s",
            ["Sidecar:Services:web:Host"] = TestCluster.ServiceName,
            ["Sidecar:Services:web:PortName"] = "web",
            ["Sidecar:Services:web:Listen"] = $"{listenAddress}:{LoopbackAddresses.FreePort(listenAddress)}",
        };
        configure?.Invoke(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = SidecarOptionsReader.Read(configuration, out var errors);
        Assert.Empty(errors);
        var output = TestContext.Current.TestOutputHelper;
        var host = await SidecarHost.CreateAsync(options, configuration, services =>
        {
            if (output is not null)
            {
                services.AddLogging(logging => logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output)));
            }
        }, meterName: $"HeadlessSidecar.Test.{Guid.NewGuid():N}", cancellationToken: cancellationToken);
        await host.StartAsync(cancellationToken);
        var sidecar = new TestSidecar(host, options, settings);
        if (waitReady)
        {
            await sidecar.WaitUntilAsync(async ct => (await sidecar.Admin.GetAsync("readyz", ct)).StatusCode == HttpStatusCode.OK, "sidecar ready", cancellationToken);
        }
        return sidecar;
    }

    public Task WaitUntilAsync(Func<CancellationToken, Task<bool>> condition, string what, CancellationToken cancellationToken = default) =>
        Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(20), cancellationToken: cancellationToken);

    /// <summary>Waits until /debug/peers lists exactly these pods for the service.</summary>
    public Task WaitForPodsAsync(IEnumerable<string> names, string service = "web", CancellationToken cancellationToken = default)
    {
        var wanted = names.Order(StringComparer.Ordinal).ToArray();
        return WaitUntilAsync(async ct => (await PodNamesAsync(service, ct)).SequenceEqual(wanted), $"pods {string.Join(",", wanted)}", cancellationToken);
    }

    /// <summary>Waits until /debug/peers lists pod <paramref name="pod"/> at <paramref name="address"/>.</summary>
    public Task WaitForPodAddressAsync(string pod, IPAddress address, string service = "web", CancellationToken cancellationToken = default) =>
        WaitUntilAsync(async ct => (await PeersAsync(service, ct)).GetProperty("pods").EnumerateArray()
            .Any(p => p.GetProperty("name").GetString() == pod && p.GetProperty("address").GetString() == address.ToString()),
            $"{pod} at {address}", cancellationToken);

    public async Task<string[]> PodNamesAsync(string service = "web", CancellationToken cancellationToken = default)
    {
        var peers = await PeersAsync(service, cancellationToken);
        return [.. peers.GetProperty("pods").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)];
    }

    public async Task<JsonElement> PeersAsync(string service = "web", CancellationToken cancellationToken = default)
    {
        var document = await Admin.GetFromJsonAsync<JsonElement>("debug/peers", cancellationToken);
        return document.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == service);
    }

    public Task<string> MetricsAsync(CancellationToken cancellationToken = default) => Admin.GetStringAsync("metrics", cancellationToken);

    /// <summary>The value of one series in the Prometheus text, or null when absent.</summary>
    public static double? Series(string metrics, string name, params (string Label, string Value)[] labels)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length <= name.Length || line[name.Length] is not ('{' or ' '))
            {
                continue;
            }
            if (labels.All(l => line.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                var value = line[(line.LastIndexOf(' ') + 1)..];
                return double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return null;
    }

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    public async Task StopAsync() => await _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            await _host.DisposeAsync();
        }
    }
}
