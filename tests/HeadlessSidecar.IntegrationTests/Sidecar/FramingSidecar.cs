using System.Net;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// One pod, <c>web-0</c>, that records whatever reaches it and answers 200, behind a sidecar that is either the
/// in-process host (the lean HTTP/1.1 forwarder) or the real executable with <c>HEADLESS_SIDECAR_FORWARDER=yarp</c>
/// (every request through YARP). Shared by the rows of a test class: tests compare counts before and after.
/// </summary>
public abstract class FramingSidecar : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("headless-sidecar-framing-");
    private TestCluster _cluster = null!;
    private TestSidecar? _inProcess;
    private ProcessRunner? _process;

    internal ScriptedPod Pod { get; private set; } = null!;

    public IPEndPoint Listen { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    /// <summary>The sidecar's log, for failure messages.</summary>
    public string Describe() => _process?.Describe() ?? "";

    protected abstract bool Yarp { get; }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _cluster = await TestCluster.StartAsync(1, cancellationToken: ct);
        await _cluster.Pods["web-0"].StopAsync();
        var address = LoopbackAddresses.Next();
        _cluster.Service.Pod("web-0").Address = address;
        await _cluster.ReloadAsync();
        Pod = new ScriptedPod(new IPEndPoint(address, _cluster.Pods.Port),
            _ => ScriptedPod.Reply.Text("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        if (Yarp)
        {
            var listenAddress = LoopbackAddresses.Next();
            Listen = new IPEndPoint(listenAddress, LoopbackAddresses.FreePort(listenAddress));
            var admin = SidecarProcess.UniqueAdminEndPoint();
            var config = SidecarProcess.WriteConfig(_directory.FullName, _cluster.Dns.EndPoint, Listen, admin);
            _process = SidecarProcess.Start(new Dictionary<string, string> { ["HEADLESS_SIDECAR_FORWARDER"] = "yarp" }, "run", "--config", config);
            Admin = new HttpClient { BaseAddress = new Uri($"http://{admin}/"), Timeout = TimeSpan.FromSeconds(10) };
        }
        else
        {
            _inProcess = await TestSidecar.StartAsync(_cluster.Dns.EndPoint, waitReady: false, cancellationToken: ct);
            Listen = _inProcess.Listen;
            Admin = _inProcess.Admin;
        }
        await Poll.UntilAsync(async c => await PodAddressAsync(c) == address.ToString(), "web-0 at the scripted pod's address",
            TimeSpan.FromSeconds(30), describe: Describe, cancellationToken: ct);
    }

    /// <summary>web-0's entry in /debug/peers.</summary>
    public async Task<JsonElement> PeerAsync(CancellationToken cancellationToken)
    {
        var document = JsonDocument.Parse(await Admin.GetStringAsync("debug/peers", cancellationToken)).RootElement;
        return document.GetProperty("services").EnumerateArray().Single().GetProperty("pods").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "web-0").Clone();
    }

    private async Task<string?> PodAddressAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await PeerAsync(cancellationToken)).GetProperty("address").GetString();
        }
        catch (InvalidOperationException)
        {
            return null; // Not discovered yet.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_inProcess is not null)
        {
            await _inProcess.DisposeAsync();
        }
        else
        {
            Admin.Dispose();
        }
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        await Pod.DisposeAsync();
        await _cluster.DisposeAsync();
        _directory.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>The in-process sidecar: plain requests take the lean forwarder.</summary>
public sealed class LeanFramingSidecar : FramingSidecar
{
    protected override bool Yarp => false;
}

/// <summary>The real executable with every request forced through YARP.</summary>
public sealed class YarpFramingSidecar : FramingSidecar
{
    protected override bool Yarp => true;
}
