using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary><c>Protocol: Tcp</c> (contract sections 4 and 5): raw L4 sessions through the sidecar to real loopback pods.</summary>
public sealed class TcpTests
{
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestSidecar> StartSidecarAsync(TcpCluster cluster, Action<Dictionary<string, string?>>? configure = null) =>
        TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Protocol"] = "Tcp";
            configure?.Invoke(s);
        }, cancellationToken: Ct);

    [Fact]
    public async Task Balanced_RoundRobin_SpreadsConnectionsOverThreePods()
    {
        await using var cluster = await TcpCluster.StartAsync(3, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:LoadBalancing"] = "RoundRobin");
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        var served = new Dictionary<string, int>();
        for (var i = 0; i < 30; i++)
        {
            var answer = await ExchangeAsync(sidecar.Listen, $"hello {i}");
            Assert.StartsWith($"hello {i}\n", answer, StringComparison.Ordinal);
            var pod = PodOf(answer);
            served[pod] = served.GetValueOrDefault(pod) + 1;
        }
        Assert.Equal(["web-0", "web-1", "web-2"], served.Keys.Order(StringComparer.Ordinal));
        Assert.All(served.Values, count => Assert.Equal(10, count));
    }

    [Fact]
    public async Task Balanced_LeastRequests_CountsOpenSessions()
    {
        await using var cluster = await TcpCluster.StartAsync(3, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:LoadBalancing"] = "LeastRequests");
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var socket = await ConnectAsync(sidecar.Listen);
                sockets.Add(socket);
                Assert.Equal($"open {i}", await EchoAsync(socket, $"open {i}"));
            }
            var peers = await sidecar.PeersAsync(cancellationToken: Ct);
            Assert.All(peers.GetProperty("pods").EnumerateArray(), p => Assert.Equal(2, p.GetProperty("activeRequests").GetInt32()));
            Assert.All(peers.GetProperty("pods").EnumerateArray(), p => Assert.Equal(2, p.GetProperty("openConnections").GetInt32()));

            var names = new List<string>();
            foreach (var socket in sockets)
            {
                socket.Shutdown(SocketShutdown.Send);
                names.Add(PodOf(await ReadToEndAsync(socket)));
            }
            Assert.All(names.GroupBy(n => n), g => Assert.Equal(2, g.Count()));
            Assert.Equal(3, names.Distinct().Count());
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
        await sidecar.WaitUntilAsync(async ct => (await sidecar.PeersAsync(cancellationToken: ct)).GetProperty("pods").EnumerateArray()
            .All(p => p.GetProperty("activeRequests").GetInt32() == 0), "sessions ended", Ct);
    }

    [Fact]
    public async Task OrdinalPort_PinsToThatPod_AndClosesWhilePodIsGone()
    {
        await using var cluster = await TcpCluster.StartAsync(3, Ct);
        var ordinalBase = FreeOrdinalBase(3);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:OrdinalPortBase"] = ordinalBase.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        await sidecar.WaitUntilAsync(ct => Poll.AcceptsTcpAsync(new IPEndPoint(IPAddress.Loopback, ordinalBase + 2), ct), "ordinal port 2", Ct);

        for (var ordinal = 0; ordinal < 3; ordinal++)
        {
            for (var i = 0; i < 3; i++)
            {
                var answer = await ExchangeAsync(new IPEndPoint(IPAddress.Loopback, ordinalBase + ordinal), "pinned");
                Assert.Equal($"pinned\nweb-{ordinal}", answer);
            }
        }

        cluster.Service.RemovePod("web-1");
        await cluster.ReloadAsync();
        await sidecar.WaitForPodsAsync(["web-0", "web-2"], cancellationToken: Ct);
        // The port stays open, and the connection is closed at once: nothing reaches another pod.
        Assert.Equal("", await ExchangeAsync(new IPEndPoint(IPAddress.Loopback, ordinalBase + 1), "pinned"));
        Assert.Equal("pinned\nweb-2", await ExchangeAsync(new IPEndPoint(IPAddress.Loopback, ordinalBase + 2), "pinned"));
    }

    [Fact]
    public async Task ConnectFailure_FailsOverToAnotherPod_AndIsCounted()
    {
        await using var cluster = await TcpCluster.StartAsync(3, Ct);
        await using var sidecar = await StartSidecarAsync(cluster);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
        await cluster.Pods[1].StopListeningAsync();

        for (var i = 0; i < 6; i++)
        {
            var answer = await ExchangeAsync(sidecar.Listen, "failover");
            Assert.StartsWith("failover\n", answer, StringComparison.Ordinal);
            Assert.NotEqual("web-1", PodOf(answer));
        }
        var metrics = await sidecar.MetricsAsync(Ct);
        var failovers = TestSidecar.Series(metrics, "headless_sidecar_failovers_total", ("service", "web"), ("from_pod", "web-1"), ("reason", "connect_error"));
        Assert.True(failovers >= 1, $"failovers from web-1: {failovers}\n{metrics}");
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tcp_connections_total", ("service", "web"), ("pod", "web-1")));
    }

    [Fact]
    public async Task HundredMegabytes_EchoedIntact_AndThroughputReported()
    {
        await using var cluster = await TcpCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        const long Total = 100L * 1024 * 1024;

        // Warm-up of both paths (JIT, pools) before measuring.
        await PumpAsync(sidecar.Listen, 16L * 1024 * 1024);
        await PumpAsync(cluster.Pods[0].EndPoint, 16L * 1024 * 1024);

        var proxied = await PumpAsync(sidecar.Listen, Total);
        var direct = await PumpAsync(cluster.Pods[0].EndPoint, Total);
        Assert.Equal(Convert.ToHexString(proxied.Sent), Convert.ToHexString(proxied.Received));
        Assert.Equal("\nweb-0", proxied.Trailer);
        Assert.Equal(Convert.ToHexString(direct.Sent), Convert.ToHexString(proxied.Received));

        var mib = Total / (1024.0 * 1024);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"100 MiB echoed (each way): through the sidecar {mib / proxied.Elapsed.TotalSeconds:F0} MiB/s, direct {mib / direct.Elapsed.TotalSeconds:F0} MiB/s");

        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_tcp_bytes_total", ("pod", "web-0"), ("direction", "upstream")) >= Total + 16L * 1024 * 1024);
    }

    [Fact]
    public async Task HalfClose_ClientStopsSending_StillReadsTheWholeAnswer()
    {
        await using var cluster = await TcpCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        using var socket = await ConnectAsync(sidecar.Listen);
        var question = new string('q', 200_000);
        await socket.SendAsync(Encoding.ASCII.GetBytes(question), SocketFlags.None, Ct);
        socket.Shutdown(SocketShutdown.Send);
        // The pod writes its name only after it saw the end of stream: the half-close went through and the answer came back.
        Assert.Equal(question + "\nweb-0", await ReadToEndAsync(socket));
    }

    [Fact]
    public async Task FiveHundredConcurrentConnections_AllEchoed()
    {
        await using var cluster = await TcpCluster.StartAsync(3, Ct);
        await using var sidecar = await StartSidecarAsync(cluster);
        await sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);

        var answers = await Task.WhenAll(Enumerable.Range(0, 500).Select(async i =>
        {
            using var socket = await ConnectAsync(sidecar.Listen);
            var payload = $"connection {i} " + new string((char)('a' + i % 26), 1000);
            Assert.Equal(payload, await EchoAsync(socket, payload));
            socket.Shutdown(SocketShutdown.Send);
            return PodOf(await ReadToEndAsync(socket));
        }));
        Assert.Equal(500, answers.Length);
        Assert.Equal(3, answers.Distinct().Count());
    }

    [Fact]
    public async Task IdleTimeout_ClosesAQuietSession()
    {
        await using var cluster = await TcpCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:Tcp:IdleTimeout"] = "300ms");
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        using var socket = await ConnectAsync(sidecar.Listen);
        // Traffic keeps it open past the timeout.
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(100, Ct); // Pacing below the idle timeout, not synchronisation.
            Assert.Equal("tick", await EchoAsync(socket, "tick"));
        }
        var quiet = Stopwatch.StartNew();
        Assert.Equal("", await ReadToEndAsync(socket));
        Assert.InRange(quiet.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        await sidecar.WaitUntilAsync(_ => Task.FromResult(cluster.Pods[0].OpenCount == 0), "upstream session closed", Ct);
    }

    [Fact]
    public async Task RemovedPod_OpenSessionKeepsWorking_NewConnectionsGoElsewhere()
    {
        await using var cluster = await TcpCluster.StartAsync(2, Ct);
        await using var sidecar = await StartSidecarAsync(cluster);
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);

        using var socket = await ConnectAsync(sidecar.Listen);
        Assert.Equal("before", await EchoAsync(socket, "before"));
        var pod = await ActivePodAsync(sidecar);
        var other = pod == "web-0" ? "web-1" : "web-0";
        cluster.Service.RemovePod(pod);
        await cluster.ReloadAsync();
        await sidecar.WaitForPodsAsync([other], cancellationToken: Ct);

        Assert.Equal($"fresh\n{other}", await ExchangeAsync(sidecar.Listen, "fresh"));
        Assert.Equal("after", await EchoAsync(socket, "after"));
        socket.Shutdown(SocketShutdown.Send);
        Assert.Equal($"\n{pod}", await ReadToEndAsync(socket));
    }

    [Fact]
    public async Task RemovedPodGrace_ClosesTheRemovedPodsSessionAfterIt()
    {
        await using var cluster = await TcpCluster.StartAsync(2, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:Tcp:RemovedPodGrace"] = "200ms");
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);

        using var socket = await ConnectAsync(sidecar.Listen);
        Assert.Equal("before", await EchoAsync(socket, "before"));
        var pod = await ActivePodAsync(sidecar);
        cluster.Service.RemovePod(pod);
        await cluster.ReloadAsync();
        Assert.Equal("", await ReadToEndAsync(socket));
    }

    [Fact]
    public async Task MaxConnectionsPerListener_OpenSessionsAtLimit_NextClosedAtOnceAndCounted()
    {
        await using var cluster = await TcpCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Limits:MaxConnectionsPerListener"] = "2");
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        using var first = await ConnectAsync(sidecar.Listen);
        Assert.Equal("one", await EchoAsync(first, "one"));
        using var second = await ConnectAsync(sidecar.Listen);
        Assert.Equal("two", await EchoAsync(second, "two"));
        var before = RejectedConnections(await sidecar.MetricsAsync(Ct));

        using (var third = await ConnectAsync(sidecar.Listen))
        {
            // Closed without reaching a pod: no echo, only the end of stream (or a reset).
            await third.SendAsync("three"u8.ToArray(), SocketFlags.None, Ct);
            Assert.Equal("", await ReadToEndAsync(third));
        }
        Assert.Equal(before + 1, RejectedConnections(await sidecar.MetricsAsync(Ct)));
        Assert.Equal(2, cluster.Pods[0].OpenCount);

        // A slot freed by a session's end is taken again.
        first.Dispose();
        await sidecar.WaitUntilAsync(async ct =>
        {
            using var again = await ConnectAsync(sidecar.Listen);
            try
            {
                return await EchoAsync(again, "again") == "again";
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                return false;
            }
        }, "a session accepted after one ended", Ct);
        Assert.Equal("still", await EchoAsync(second, "still"));
    }

    [Fact]
    public async Task Stop_OpenSession_DrainWaitsForItThenClosesIt()
    {
        await using var cluster = await TcpCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:DrainTimeout"] = "1s");
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        using var socket = await ConnectAsync(sidecar.Listen);
        Assert.Equal("before", await EchoAsync(socket, "before"));
        var stopping = Stopwatch.StartNew();
        var stop = sidecar.StopAsync();

        // The listener stops accepting at once; the open session still works within DrainTimeout.
        await sidecar.WaitUntilAsync(async ct => !await Poll.AcceptsTcpAsync(sidecar.Listen, ct), "listener closed", Ct);
        Assert.Equal("during", await EchoAsync(socket, "during"));
        Assert.Equal("", await ReadToEndAsync(socket));
        var closedAfter = stopping.Elapsed;
        await stop.WaitAsync(TimeSpan.FromSeconds(15), Ct);
        Assert.InRange(closedAfter, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(10));
        await sidecar.WaitUntilAsync(_ => Task.FromResult(cluster.Pods[0].OpenCount == 0), "upstream session closed", Ct);
    }

    private static double RejectedConnections(string metrics) =>
        TestSidecar.Series(metrics, "headless_sidecar_limit_rejections_total", ("listener", "web"), ("limit", "connections"))
        ?? throw new InvalidOperationException("no connections rejection series for web");

    [Fact]
    public async Task Metrics_AfterSessions_CarryTcpSeriesAndPassPromtool()
    {
        await using var cluster = await TcpCluster.StartAsync(2, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s =>
        {
            s["Sidecar:AccessLog"] = "true";
            // Round-robin: two sessions per pod exactly.
            s["Sidecar:Services:web:LoadBalancing"] = "RoundRobin";
        });
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        for (var i = 0; i < 4; i++)
        {
            Assert.StartsWith("metric\n", await ExchangeAsync(sidecar.Listen, "metric"), StringComparison.Ordinal);
        }
        await sidecar.WaitUntilAsync(async ct =>
            TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_tcp_connection_duration_seconds_count", ("pod", "web-1")) == 2,
            "sessions recorded", Ct);

        var metrics = await sidecar.MetricsAsync(Ct);
        var (exit, output) = await Promtool.CheckMetricsAsync(metrics, Ct);
        Assert.True(exit == 0, $"promtool check metrics failed ({exit}):\n{output}\n---\n{metrics}");
        foreach (var pod in new[] { "web-0", "web-1" })
        {
            Assert.Equal(2, TestSidecar.Series(metrics, "headless_sidecar_tcp_connections_total", ("service", "web"), ("pod", pod)));
            Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tcp_active_connections", ("service", "web"), ("pod", pod)));
            Assert.Equal(2 * "metric".Length, TestSidecar.Series(metrics, "headless_sidecar_tcp_bytes_total", ("service", "web"), ("pod", pod), ("direction", "upstream")));
            Assert.Equal(2 * ("metric".Length + 1 + pod.Length), TestSidecar.Series(metrics, "headless_sidecar_tcp_bytes_total", ("service", "web"), ("pod", pod), ("direction", "downstream")));
            Assert.Equal(2, TestSidecar.Series(metrics, "headless_sidecar_tcp_connection_duration_seconds_bucket", ("service", "web"), ("pod", pod), ("le", "10")));
        }
    }

    [Fact]
    public async Task Metrics_KnownPodWithoutTraffic_ExportedAtZero()
    {
        await using var cluster = await TcpCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tcp_connections_total", ("service", "web"), ("pod", "web-0")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tcp_active_connections", ("service", "web"), ("pod", "web-0")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tcp_bytes_total", ("service", "web"), ("pod", "web-0"), ("direction", "upstream")));
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_tcp_bytes_total", ("service", "web"), ("pod", "web-0"), ("direction", "downstream")));
    }

    private static async Task<string> ActivePodAsync(TestSidecar sidecar)
    {
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        return peers.GetProperty("pods").EnumerateArray().Single(p => p.GetProperty("activeRequests").GetInt32() == 1).GetProperty("name").GetString()!;
    }

    /// <summary>A base with <paramref name="count"/> free ports on 127.0.0.1, below the ephemeral range so outgoing
    /// connections of parallel tests cannot take one of them meanwhile.</summary>
    private static int FreeOrdinalBase(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var candidate = Random.Shared.Next(20_000, 32_000 - count);
            if (Enumerable.Range(candidate, count).All(CanBindLoopback))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException($"No {count} consecutive free ports on 127.0.0.1.");
    }

    private static bool CanBindLoopback(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string PodOf(string answer) => answer[(answer.LastIndexOf('\n') + 1)..];

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, Ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends, half-closes and reads to the end: the echo plus <c>\n&lt;pod&gt;</c>.</summary>
    private static async Task<string> ExchangeAsync(IPEndPoint endPoint, string payload)
    {
        using var socket = await ConnectAsync(endPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes(payload), SocketFlags.None, Ct);
        socket.Shutdown(SocketShutdown.Send);
        return await ReadToEndAsync(socket);
    }

    /// <summary>Sends and reads back exactly as many bytes (the echo), leaving the session open.</summary>
    private static async Task<string> EchoAsync(Socket socket, string payload)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(ReadLimit);
        var bytes = Encoding.ASCII.GetBytes(payload);
        await socket.SendAsync(bytes, SocketFlags.None, limit.Token);
        var buffer = new byte[bytes.Length];
        var read = 0;
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

    /// <summary>Reads until the end of stream; a reset counts as the end (an aborted session).</summary>
    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(ReadLimit);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
                if (n == 0)
                {
                    break;
                }
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
        return Encoding.ASCII.GetString(received.ToArray());
    }

    /// <summary>Streams <paramref name="total"/> bytes through an echo while reading them back, hashing both ends.</summary>
    private static async Task<(byte[] Sent, byte[] Received, string Trailer, TimeSpan Elapsed)> PumpAsync(IPEndPoint endPoint, long total)
    {
        using var socket = await ConnectAsync(endPoint);
        var chunk = new byte[64 * 1024];
        new Random(42).NextBytes(chunk);
        var started = Stopwatch.StartNew();
        var send = Task.Run(async () =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (long offset = 0, index = 0; offset < total; offset += chunk.Length, index++)
            {
                // Each chunk carries its index, so a lost, repeated or reordered chunk changes the hash.
                BitConverter.TryWriteBytes(chunk, index);
                var length = (int)Math.Min(chunk.Length, total - offset);
                hash.AppendData(chunk, 0, length);
                await socket.SendAsync(chunk.AsMemory(0, length), SocketFlags.None, Ct);
            }
            socket.Shutdown(SocketShutdown.Send);
            return hash.GetHashAndReset();
        }, Ct);
        using var received = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var trailer = new MemoryStream();
        var buffer = new byte[64 * 1024];
        long count = 0;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
            if (n == 0)
            {
                break;
            }
            var body = (int)Math.Clamp(total - count, 0, n);
            received.AppendData(buffer, 0, body);
            trailer.Write(buffer, body, n - body);
            count += n;
        }
        var elapsed = started.Elapsed;
        return (await send, received.GetHashAndReset(), Encoding.ASCII.GetString(trailer.ToArray()), elapsed);
    }
}
