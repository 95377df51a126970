using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.Reload;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessSidecar.IntegrationTests.Reload;

/// <summary>
/// Contract section 10 on a running in-process sidecar: a real Knot server, real loopback pods, and the applier called
/// directly with what the reader read (the triggers are tested elsewhere).
/// </summary>
public sealed class ConfigurationApplierTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ITestOutputHelper? Output => TestContext.Current.TestOutputHelper;

    private static string NewListen()
    {
        var address = LoopbackAddresses.Next();
        return $"{address}:{LoopbackAddresses.FreePort(address)}";
    }

    private static HttpClient ClientFor(string listen) =>
        new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{listen}/"), Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A second service <paramref name="name"/> over the same pods, on its own listener.</summary>
    private static void AddService(Dictionary<string, string?> s, string name, string listen)
    {
        s[$"Sidecar:Services:{name}:Host"] = TestCluster.ServiceName;
        s[$"Sidecar:Services:{name}:PortName"] = "web";
        s[$"Sidecar:Services:{name}:Listen"] = listen;
    }

    private static void RemoveService(Dictionary<string, string?> s, string name)
    {
        foreach (var key in s.Keys.Where(k => k.StartsWith($"Sidecar:Services:{name}:", StringComparison.Ordinal)).ToList())
        {
            s[key] = null;
        }
    }

    /// <summary>Service <c>web</c>'s listener (the reader lists services by name, so it need not be the first).</summary>
    private static IPEndPoint WebListen(TestSidecar sidecar) => IPEndPoint.Parse(sidecar.Settings["Sidecar:Services:web:Listen"]!);

    private static int UpstreamConnections(TestCluster cluster) => cluster.Pods.Pods.Sum(p => p.ConnectionCount);

    [Fact]
    public async Task ApplyAsync_AddedService_ListensAndServes()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        var listen = NewListen();

        var changes = await sidecar.ReloadAsync(s => AddService(s, "api", listen), Ct);

        Assert.Equal(["service api: added"], changes.Changes);
        Assert.Empty(changes.RestartRequired);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], service: "api", cancellationToken: Ct);
        using var client = ClientFor(listen);
        using var response = await client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sidecar.Admin.GetAsync("readyz", Ct)).StatusCode);
        Assert.Contains(sidecar.Services.GetRequiredService<IConfigurationApplier>().Current.Services, s => s.Name == "api");
    }

    [Fact]
    public async Task ApplyAsync_TenReloadsOfAnotherService_UnchangedServiceOpensNoUpstreamConnection()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        var other = NewListen();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => AddService(s, "other", other), cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        using var web = ClientFor(WebListen(sidecar).ToString());
        // One keep-alive connection per pod, made by sequential requests over the rotation.
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/", Ct)).StatusCode);
        }
        var before = UpstreamConnections(cluster);

        for (var reload = 0; reload < 10; reload++)
        {
            var attempts = reload % 2 == 0 ? "2" : "3";
            var changes = await sidecar.ReloadAsync(s =>
            {
                s["Sidecar:Services:other:Retry:MaxAttempts"] = attempts;
                s["Sidecar:Services:other:Pool:IdleTimeout"] = $"00:00:{30 + reload}";
                s["Sidecar:DrainTimeout"] = $"{5 + reload}s";
            }, Ct);
            Assert.Contains("service other: Retry, Pool", changes.Changes);
            Assert.DoesNotContain(changes.Changes, c => c.StartsWith("service web", StringComparison.Ordinal));
            for (var i = 0; i < 6; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/", Ct)).StatusCode);
            }
        }

        Output?.WriteLine($"upstream connections accepted by the pods: {before} before, {UpstreamConnections(cluster)} after 10 reloads and 60 requests");
        Assert.Equal(3, before);
        Assert.Equal(before, UpstreamConnections(cluster));
    }

    [Fact]
    public async Task ApplyAsync_RetryAndLoadBalancingChanged_NoNewUpstreamConnection()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await sidecar.Client.GetAsync("/", Ct)).StatusCode);
        }
        var before = UpstreamConnections(cluster);

        var changes = await sidecar.ReloadAsync(s =>
        {
            s["Sidecar:Services:web:Retry:MaxAttempts"] = "2";
            s["Sidecar:Services:web:LoadBalancing"] = "LeastRequests";
        }, Ct);
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await sidecar.Client.GetAsync("/", Ct)).StatusCode);
        }

        Assert.Equal(["service web: LoadBalancing, Retry"], changes.Changes);
        Assert.Equal(before, UpstreamConnections(cluster));
        Assert.Equal(2, sidecar.Services.GetRequiredService<IConfigurationApplier>().Current.Services[0].Retry.MaxAttempts);
    }

    [Fact]
    public async Task ApplyAsync_DnsChanged_PodsAtTheSameAddressesKeepTheirPools()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await sidecar.Client.GetAsync("/", Ct)).StatusCode);
        }
        var before = UpstreamConnections(cluster);
        var resolvedBefore = (await sidecar.PeersAsync(cancellationToken: Ct)).GetProperty("lastResolution").GetString();

        var changes = await sidecar.ReloadAsync(s =>
        {
            s["Sidecar:Dns:Timeout"] = "300ms";
            s["Sidecar:Dns:MaxRefresh"] = "2s";
        }, Ct);

        Assert.Equal(["global: Dns"], changes.Changes);
        // The new resolver answers (a new resolution time), and the same pods keep their pools.
        await sidecar.WaitUntilAsync(async ct => (await sidecar.PeersAsync(cancellationToken: ct)).GetProperty("lastResolution").GetString() != resolvedBefore,
            "a resolution under the new Dns settings", Ct);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await sidecar.Client.GetAsync("/", Ct)).StatusCode);
        }
        Assert.Equal(before, UpstreamConnections(cluster));
    }

    [Fact]
    public async Task ApplyAsync_HostChanged_NewDiscoveryServesTheNewPods()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        var other = cluster.Zone.AddService("other-headless", "default", ("web", cluster.Pods.Port));
        other.AddPod("web-0", cluster.Pods[0].Address);
        await cluster.ReloadAsync();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        var changes = await sidecar.ReloadAsync(s => s["Sidecar:Services:web:Host"] = "other-headless", Ct);

        Assert.Equal(["service web: Host"], changes.Changes);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        Assert.Equal("other-headless.default.svc.cluster.local", (await sidecar.PeersAsync(cancellationToken: Ct)).GetProperty("host").GetString());
        for (var i = 0; i < 3; i++)
        {
            using var response = await sidecar.Client.GetAsync("/", Ct);
            Assert.Equal("web-0", response.Headers.GetValues("X-Headless-Pod").Single());
        }
    }

    [Fact]
    public async Task ApplyAsync_PoolChanged_RetiresIdleConnectionsAndKeepsEjections()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "1";
            s["Sidecar:Services:web:Health:EjectFor"] = "00:05:00";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        await EjectAsync(sidecar, cluster.Pods[1]);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await sidecar.Client.GetAsync("/", Ct)).StatusCode);
        }
        var open = cluster.Pods[0].OpenConnectionCount + cluster.Pods[2].OpenConnectionCount;

        var changes = await sidecar.ReloadAsync(s => s["Sidecar:Services:web:Pool:MaxConnectionsPerPod"] = "8", Ct);

        Assert.Equal(["service web: Pool"], changes.Changes);
        Assert.Equal(2, open);
        // The old pools' idle connections close at once; the pods come back under new pools.
        await sidecar.WaitUntilAsync(_ => Task.FromResult(cluster.Pods[0].OpenConnectionCount + cluster.Pods[2].OpenConnectionCount == 0),
            "idle connections of the old pools closed", Ct);
        await AssertStillEjectedAsync(sidecar, cluster, "web-1");
    }

    [Fact]
    public async Task ApplyAsync_EjectedPod_StaysEjectedAcrossAReload()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "1";
            s["Sidecar:Services:web:Health:EjectFor"] = "00:05:00";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        await EjectAsync(sidecar, cluster.Pods[1]);

        var changes = await sidecar.ReloadAsync(s =>
        {
            s["Sidecar:Services:web:Retry:MaxAttempts"] = "2";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "3";
        }, Ct);

        Assert.Equal(["service web: Retry, Health"], changes.Changes);
        await AssertStillEjectedAsync(sidecar, cluster, "web-1");
    }

    /// <summary>Stops the pod and sends requests until the sidecar ejects it (one failure suffices), then starts it again.</summary>
    private static async Task EjectAsync(TestSidecar sidecar, LoopbackHttpPod pod)
    {
        await pod.StopAsync();
        await sidecar.WaitUntilAsync(async ct =>
        {
            await sidecar.Client.GetAsync("/", ct);
            return (await sidecar.PeersAsync(cancellationToken: ct)).GetProperty("pods").EnumerateArray()
                .Any(p => p.GetProperty("name").GetString() == pod.Name && p.GetProperty("state").GetString() == "ejected");
        }, $"{pod.Name} ejected", Ct);
        // Back and answering: only the ejection keeps traffic away now.
        await pod.StartAsync(Ct);
        pod.ResetCounters();
    }

    private static async Task AssertStillEjectedAsync(TestSidecar sidecar, TestCluster cluster, string name)
    {
        var pod = (await sidecar.PeersAsync(cancellationToken: Ct)).GetProperty("pods").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);
        Assert.Equal("ejected", pod.GetProperty("state").GetString());
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await sidecar.Client.GetAsync("/", Ct)).StatusCode);
        }
        Assert.Equal(0, cluster.Pods[name].RequestCount);
    }

    [Fact]
    public async Task ApplyAsync_RemovedService_SlowRequestCompletesAndListenerCloses()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        var slowListen = NewListen();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => AddService(s, "slow", slowListen), cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], service: "slow", cancellationToken: Ct);
        using var client = ClientFor(slowListen);
        var pod = cluster.Pods[0];
        pod.ResetCounters();
        var slow = client.GetAsync("/delay/1500", Ct);
        await sidecar.WaitUntilAsync(_ => Task.FromResult(pod.RequestCount == 1), "slow request at the pod", Ct);

        var changes = await sidecar.ReloadAsync(s => RemoveService(s, "slow"), Ct);

        Assert.Equal(["service slow: removed"], changes.Changes);
        var endPoint = IPEndPoint.Parse(slowListen);
        Assert.False(await Poll.AcceptsTcpAsync(endPoint, Ct), "a removed service's listener refuses new connections");
        using var response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var web = ClientFor(WebListen(sidecar).ToString());
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/", Ct)).StatusCode);
        await sidecar.WaitUntilAsync(async ct => !(await sidecar.Admin.GetStringAsync("debug/peers", ct)).Contains("\"slow\"", StringComparison.Ordinal),
            "slow gone from /debug/peers", Ct);
    }

    [Fact]
    public async Task ApplyAsync_RemovedTcpService_SessionClosedAfterDrainTimeout()
    {
        await using var cluster = await TcpCluster.StartAsync(1, Ct);
        var keep = NewListen();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Protocol"] = "Tcp";
            AddService(s, "keep", keep);
            s["Sidecar:Services:keep:Protocol"] = "Tcp";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        var webListen = WebListen(sidecar);
        using var session = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await session.ConnectAsync(webListen, Ct);
        Assert.Equal("before", await EchoAsync(session, "before"));

        var applied = Stopwatch.StartNew();
        var changes = await sidecar.ReloadAsync(s =>
        {
            RemoveService(s, "web");
            s["Sidecar:DrainTimeout"] = "2s";
        }, Ct);

        Assert.Equal(["global: DrainTimeout", "service web: removed"], changes.Changes);
        // Still served while its drain runs.
        Assert.Equal("during", await EchoAsync(session, "during"));
        var closedAfter = await ClosedAfterAsync(session, applied);
        Output?.WriteLine($"TCP session of the removed service closed {closedAfter.TotalMilliseconds:0} ms after the reload (DrainTimeout 2 s)");
        Assert.InRange(closedAfter, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        Assert.False(await Poll.AcceptsTcpAsync(webListen, Ct));
    }

    private static async Task<string> EchoAsync(Socket socket, string payload)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(payload), SocketFlags.None, Ct);
        var buffer = new byte[payload.Length];
        var read = 0;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, limit.Token);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static async Task<TimeSpan> ClosedAfterAsync(Socket socket, Stopwatch since)
    {
        var buffer = new byte[64];
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(20));
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Reset rather than closed: closed all the same.
        }
        return since.Elapsed;
    }

    [Fact]
    public async Task ApplyAsync_ListenMovedToANewService_HandedOverNotBoundTwice()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        var spare = NewListen();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => AddService(s, "spare", spare), cancellationToken: Ct);
        var listen = WebListen(sidecar).ToString();

        var changes = await sidecar.ReloadAsync(s =>
        {
            RemoveService(s, "web");
            AddService(s, "web2", listen);
        }, Ct);

        Assert.Equal(["service web: removed", "service web2: added"], changes.Changes);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], service: "web2", cancellationToken: Ct);
        using var client = ClientFor(listen);
        using var response = await client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_requests_total", ("service", "web2")) >= 1, metrics);
    }

    [Fact]
    public async Task ApplyAsync_ProtocolChangedOnTheSameListen_ServesRawTcpThere()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        using (var before = await sidecar.Client.GetAsync("/", Ct))
        {
            Assert.Equal("web-0", before.Headers.GetValues("X-Headless-Pod").Single());
        }

        var changes = await sidecar.ReloadAsync(s => s["Sidecar:Services:web:Protocol"] = "Tcp", Ct);

        Assert.Equal(["service web: replaced (Protocol)"], changes.Changes);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        // Bytes pass through untouched now: the pod's own answer, without the headers the HTTP proxy adds.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(sidecar.Listen, Ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: raw\r\nConnection: close\r\n\r\n"), SocketFlags.None, Ct);
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        Assert.StartsWith("HTTP/1.1 200", answer.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("X-Headless-Pod", answer.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ApplyAsync_ListenAddressBusy_ThrowsNamingTheKeyAndChangesNothing()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        var busy = IPEndPoint.Parse(NewListen());
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(busy);
        squatter.Listen();
        var free = NewListen();
        var applier = sidecar.Services.GetRequiredService<IConfigurationApplier>();
        var before = applier.Current;

        var error = await Assert.ThrowsAsync<ConfigurationApplyException>(() => sidecar.ReloadAsync(s =>
        {
            s["Sidecar:Services:web:Retry:MaxAttempts"] = "1";
            AddService(s, "first", free);
            AddService(s, "api", busy.ToString());
        }, Ct));

        Assert.Equal([$"Sidecar:Services:api:Listen: '{busy}' cannot be bound: the address is already in use"], error.Problems);
        Assert.Same(before, applier.Current);
        Assert.Equal(3, applier.Current.Services[0].Retry.MaxAttempts);
        Assert.False(await Poll.AcceptsTcpAsync(IPEndPoint.Parse(free), Ct), "the listener bound before the failure was closed again");
        Assert.DoesNotContain("\"api\"", await sidecar.Admin.GetStringAsync("debug/peers", Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await sidecar.Client.GetAsync("/", Ct)).StatusCode);
    }

    [Fact]
    public async Task ApplyAsync_OrdinalPortBaseMoved_PortsFollow()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        var address = IPAddress.Loopback;
        var oldBase = FreePortRun(address, 3);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => s["Sidecar:Services:web:OrdinalPortBase"] = $"{oldBase}", cancellationToken: Ct);
        await sidecar.WaitUntilAsync(ct => Poll.AcceptsTcpAsync(new IPEndPoint(address, oldBase + 2), ct), "old ordinal ports open", Ct);
        var newBase = FreePortRun(address, 3);

        var changes = await sidecar.ReloadAsync(s => s["Sidecar:Services:web:OrdinalPortBase"] = $"{newBase}", Ct);

        Assert.Equal(["service web: OrdinalPortBase"], changes.Changes);
        await sidecar.WaitUntilAsync(ct => Poll.AcceptsTcpAsync(new IPEndPoint(address, newBase + 2), ct), "new ordinal ports open", Ct);
        Assert.False(await Poll.AcceptsTcpAsync(new IPEndPoint(address, oldBase + 1), Ct), "old ordinal port closed");
        using var client = ClientFor($"{address}:{newBase + 1}");
        using var response = await client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web-1", response.Headers.GetValues("X-Headless-Pod").Single());
    }

    [Fact]
    public async Task ApplyAsync_AdminListenChanged_LeftAloneAndTheRestApplies()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        var applier = sidecar.Services.GetRequiredService<IConfigurationApplier>();
        var admin = applier.Current.AdminListen;

        var changes = await sidecar.ReloadAsync(s =>
        {
            s["Sidecar:Admin:Listen"] = NewListen();
            s["Sidecar:Services:web:Retry:MaxAttempts"] = "2";
        }, Ct);

        Assert.Equal(["Sidecar:Admin:Listen"], changes.RestartRequired);
        Assert.Equal(["service web: Retry"], changes.Changes);
        Assert.Equal(admin, applier.Current.AdminListen);
        Assert.Equal(2, applier.Current.Services[0].Retry.MaxAttempts);
        Assert.Equal(HttpStatusCode.OK, (await sidecar.Admin.GetAsync("healthz", Ct)).StatusCode);
    }

    [Fact]
    public async Task ApplyAsync_TwentyReloadsUnderLoad_NoFailedRequest()
    {
        await using var cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        var extra = NewListen();
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        var load = new ReloadLoad(new Uri($"http://{sidecar.Listen}/"), workers: 4);
        var running = load.RunAsync(Ct);

        // Every kind of change in turn: in place, new policy, new pools, a service added and removed, global settings.
        Action<Dictionary<string, string?>>[] changes =
        [
            s => s["Sidecar:Services:web:Retry:MaxAttempts"] = "2",
            s => s["Sidecar:Services:web:LoadBalancing"] = "LeastRequests",
            s => s["Sidecar:Services:web:Pool:MaxConnectionsPerPod"] = "16",
            s => AddService(s, "extra", extra),
            s => s["Sidecar:Services:web:Timeouts:Request"] = "00:00:30",
            s => s["Sidecar:DrainTimeout"] = "3s",
            s => s["Sidecar:Services:web:UpstreamHttpVersion"] = "1.1",
            s => RemoveService(s, "extra"),
            s => s["Sidecar:Services:web:Retry:MaxAttempts"] = "3",
            s => s["Sidecar:Services:web:LoadBalancing"] = "RoundRobin",
            s => s["Sidecar:Services:web:Pool:MaxConnectionsPerPod"] = "0",
            s => s["Sidecar:Limits:MaxConnectionsPerListener"] = "2048",
            s => s["Sidecar:Services:web:SlowStart"] = "00:00:01",
            s => s["Sidecar:Services:web:Pool:IdleTimeout"] = "00:00:45",
            s => AddService(s, "extra", extra),
            s => s["Sidecar:AccessLog"] = "false",
            s => s["Sidecar:Services:web:Health:EjectFor"] = "00:00:20",
            s => RemoveService(s, "extra"),
            s => s["Sidecar:Dns:Timeout"] = "400ms",
            s => s["Sidecar:Services:web:Pool:WarmConnections"] = "1",
        ];
        var reloads = 0;
        foreach (var change in changes)
        {
            var before = load.Requests;
            await sidecar.WaitUntilAsync(_ => Task.FromResult(load.Requests >= before + 100), "requests between reloads", Ct);
            await sidecar.ReloadAsync(change, Ct);
            reloads++;
        }
        var atEnd = load.Requests;
        await sidecar.WaitUntilAsync(_ => Task.FromResult(load.Requests >= atEnd + 200), "requests after the last reload", Ct);
        await load.StopAsync(running);

        Output?.WriteLine($"under load (4 connections): {load.Requests} requests, {load.Failed} failed, {reloads} reloads; first failures: {load.FirstFailures}");
        Assert.Equal(20, reloads);
        Assert.True(load.Failed == 0, load.FirstFailures);
    }

    /// <summary>Keep-alive clients sending GETs back to back until stopped; every answer but a 200 is a failure.</summary>
    private sealed class ReloadLoad(Uri baseAddress, int workers)
    {
        private volatile bool _stopped;
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _failures = new();
        private int _requests;
        private int _failed;

        public int Requests => Volatile.Read(ref _requests);

        public int Failed => Volatile.Read(ref _failed);

        public string FirstFailures => string.Join("; ", _failures.Take(5));

        public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
            while (!_stopped && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync("/", cancellationToken);
                    await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Fail($"{(int)response.StatusCode} {string.Join(",", response.Headers.TryGetValues("X-Headless-Error", out var e) ? e : [])}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    Fail(ex.Message);
                }
                Interlocked.Increment(ref _requests);
            }
        }));

        public async Task StopAsync(Task running)
        {
            _stopped = true;
            await running;
        }

        private void Fail(string what)
        {
            Interlocked.Increment(ref _failed);
            _failures.Enqueue(what);
        }
    }

    /// <summary>The first of <paramref name="count"/> consecutive ports that can all be bound now.</summary>
    private static int FreePortRun(IPAddress address, int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var first = LoopbackAddresses.FreePort(address);
            if (first + count - 1 > IPEndPoint.MaxPort)
            {
                continue;
            }
            var sockets = new List<Socket>();
            try
            {
                for (var port = first; port < first + count; port++)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    sockets.Add(socket);
                    socket.Bind(new IPEndPoint(address, port));
                }
                return first;
            }
            catch (SocketException)
            {
            }
            finally
            {
                sockets.ForEach(s => s.Dispose());
            }
        }
        throw new InvalidOperationException($"no {count} consecutive free ports on {address}");
    }
}
