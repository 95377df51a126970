using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.IntegrationTests.Hosting;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Limits;

/// <summary>Contract section 11: each limit at its edge (N allowed, N+1 refused) with real sockets, and its count.</summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private const string Rejections = "headless_sidecar_limit_rejections_total";
    private TestCluster _cluster = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    private Task<TestSidecar> StartAsync(params (string Key, string Value)[] settings) =>
        TestSidecar.StartAsync(_cluster.Dns.EndPoint, s =>
        {
            foreach (var (key, value) in settings)
            {
                s[key] = value;
            }
        }, cancellationToken: Ct);

    private static async Task<double> RejectionsAsync(TestSidecar sidecar, string listener, string limit) =>
        TestSidecar.Series(await sidecar.MetricsAsync(Ct), Rejections, ("listener", listener), ("limit", limit))
        ?? throw new InvalidOperationException($"no {Rejections} series for {listener}/{limit}");

    /// <summary>A kept-alive HTTP/1.1 connection that has had one 200: surely accepted and counted.</summary>
    private static async Task<TcpClient> OpenServedAsync(IPEndPoint endPoint, string path = "/")
    {
        var client = new TcpClient();
        await client.ConnectAsync(endPoint, Ct);
        var head = await RequestAsync(client, $"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        return client;
    }

    /// <summary>Sends a request and returns the response head (the body is left unread; these answers are short).</summary>
    private static async Task<string> RequestAsync(TcpClient client, string request)
    {
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Ct);
        var received = new StringBuilder();
        var buffer = new byte[8192];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, deadline.Token);
            if (read == 0)
            {
                break;
            }
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        var text = received.ToString();
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    /// <summary>Whether a new connection is closed without an answer (reset while connecting, 0 bytes read, or a reset).</summary>
    private static async Task<bool> ClosedWithoutAnswerAsync(IPEndPoint endPoint)
    {
        using var client = new TcpClient();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await client.ConnectAsync(endPoint, deadline.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), deadline.Token);
            return await stream.ReadAsync(new byte[1024], deadline.Token) == 0;
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            return true;
        }
    }

    [Fact]
    public async Task MaxConnectionsPerListener_OrdinalPortsCount_NextConnectionClosedAtOnce()
    {
        var ordinalBase = LoopbackAddresses.FreePort(IPAddress.Loopback);
        await using var sidecar = await StartAsync(("Sidecar:Limits:MaxConnectionsPerListener", "3"),
            ("Sidecar:Services:web:OrdinalPortBase", ordinalBase.ToString(CultureInfo.InvariantCulture)));
        var ordinalPort = new IPEndPoint(IPAddress.Loopback, ordinalBase);
        await sidecar.WaitUntilAsync(ct => Poll.AcceptsTcpAsync(ordinalPort, ct), "ordinal port 0", Ct);

        // The probe connections above close asynchronously: take the three slots as they free up.
        var held = new List<TcpClient>();
        await Poll.UntilAsync(async ct =>
        {
            try
            {
                while (held.Count < 3)
                {
                    held.Add(await OpenServedAsync(held.Count < 2 ? sidecar.Listen : ordinalPort));
                }
                return true;
            }
            catch (Exception ex) when (ex is IOException or SocketException or Xunit.Sdk.XunitException)
            {
                return false;
            }
        }, "three connections served", cancellationToken: Ct);
        var before = await RejectionsAsync(sidecar, "web", "connections");
        Assert.True(await ClosedWithoutAnswerAsync(sidecar.Listen));
        Assert.True(await ClosedWithoutAnswerAsync(ordinalPort));
        Assert.Equal(before + 2, await RejectionsAsync(sidecar, "web", "connections"));

        // A slot freed is a slot taken again.
        held[0].Dispose();
        await Poll.UntilAsync(async ct =>
        {
            try
            {
                using var again = await OpenServedAsync(sidecar.Listen);
                return true;
            }
            catch (Exception ex) when (ex is IOException or SocketException or Xunit.Sdk.XunitException)
            {
                return false;
            }
        }, "a connection accepted after one closed", cancellationToken: Ct);
        held.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task MaxAdminConnections_NextConnectionClosed_Counted()
    {
        // The test's admin client keeps one connection alive: it is the first of three.
        await using var sidecar = await StartAsync(("Sidecar:Limits:MaxAdminConnections", "3"));
        Assert.Equal(0, await RejectionsAsync(sidecar, "admin", "connections"));
        var admin = new IPEndPoint(IPAddress.Loopback, sidecar.Admin.BaseAddress!.Port);
        using var a = await OpenServedAsync(admin, "/healthz");
        using var b = await OpenServedAsync(admin, "/healthz");
        Assert.True(await ClosedWithoutAnswerAsync(admin));
        Assert.Equal(1, await RejectionsAsync(sidecar, "admin", "connections"));
    }

    [Fact]
    public async Task MaxRequestHeaderCount_AtLimitServed_OneMore431()
    {
        await using var sidecar = await StartAsync(("Sidecar:Limits:MaxRequestHeaderCount", "10"));
        static string Request(int headers) =>
            "GET / HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Range(1, headers - 1).Select(i => $"X-H{i}: v\r\n")) + "\r\n";

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(sidecar.Listen, Ct);
            Assert.StartsWith("HTTP/1.1 200", await RequestAsync(client, Request(10)), StringComparison.Ordinal);
        }
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(sidecar.Listen, Ct);
            Assert.StartsWith("HTTP/1.1 431", await RequestAsync(client, Request(11)), StringComparison.Ordinal);
        }
        await Poll.UntilAsync(async ct => await RejectionsAsync(sidecar, "web", "request_headers") == 1, "request_headers counted", cancellationToken: Ct);
    }

    [Fact]
    public async Task MaxRequestHeadersBytes_AtLimitServed_OneMore431()
    {
        await using var sidecar = await StartAsync(("Sidecar:Limits:MaxRequestHeadersBytes", "4096"));
        // Kestrel counts every header line with its CRLF: these lines add up to exactly the limit, or one byte more.
        static string Request(int bytes)
        {
            const string host = "Host: x\r\n";
            var filler = bytes - host.Length - "X-Fill: \r\n".Length;
            return $"GET / HTTP/1.1\r\n{host}X-Fill: {new string('a', filler)}\r\n\r\n";
        }

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(sidecar.Listen, Ct);
            Assert.StartsWith("HTTP/1.1 200", await RequestAsync(client, Request(4096)), StringComparison.Ordinal);
        }
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(sidecar.Listen, Ct);
            Assert.StartsWith("HTTP/1.1 431", await RequestAsync(client, Request(4097)), StringComparison.Ordinal);
        }
        await Poll.UntilAsync(async ct => await RejectionsAsync(sidecar, "web", "request_headers") == 1, "request_headers counted", cancellationToken: Ct);
    }

    [Fact]
    public async Task RequestHeadersTimeout_SilentAndStalledClients_ClosedAndCounted()
    {
        await using var sidecar = await StartAsync(("Sidecar:Limits:RequestHeadersTimeout", "1s"));
        using var silent = new TcpClient();
        await silent.ConnectAsync(sidecar.Listen, Ct);
        using var stalled = new TcpClient();
        await stalled.ConnectAsync(sidecar.Listen, Ct);
        var started = Stopwatch.GetTimestamp();
        await stalled.GetStream().WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n"u8.ToArray(), Ct);

        // The preface sniffer's deadline for the silent one; Kestrel's for the head that never ends (408 or a close).
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            Assert.Equal(0, await silent.GetStream().ReadAsync(new byte[64], deadline.Token));
        }
        catch (IOException)
        {
            // Closed with a reset: closed all the same.
        }
        var silentClosed = Stopwatch.GetElapsedTime(started);
        var buffer = new byte[1024];
        var answer = new StringBuilder();
        try
        {
            while (await stalled.GetStream().ReadAsync(buffer, deadline.Token) is var read and > 0)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // Closed with a reset.
        }
        var stalledClosed = Stopwatch.GetElapsedTime(started);
        TestContext.Current.TestOutputHelper?.WriteLine($"silent closed after {silentClosed.TotalMilliseconds:0} ms, stalled after {stalledClosed.TotalMilliseconds:0} ms: '{answer}'");
        Assert.InRange(silentClosed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
        Assert.InRange(stalledClosed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        await Poll.UntilAsync(async ct => await RejectionsAsync(sidecar, "web", "headers_timeout") == 2, "headers_timeout counted twice", cancellationToken: Ct);
    }

    [Fact]
    public async Task MaxStreamsPerConnection_NextStreamRefused_Counted()
    {
        await using var sidecar = await StartAsync(("Sidecar:Limits:MaxStreamsPerConnection", "2"));
        using var client = new TcpClient();
        await client.ConnectAsync(sidecar.Listen, Ct);
        var stream = client.GetStream();
        var headers = Http2Frames.GetRequestHeaders("web", "/delay/2000");
        await stream.WriteAsync(Http2Frames.ConnectionStart(), Ct);
        foreach (var id in new[] { 1, 3, 5 })
        {
            await stream.WriteAsync(Http2Frames.Frame(Http2Frames.Headers, Http2Frames.EndHeaders | Http2Frames.EndStream, id, headers), Ct);
        }
        var (type, errorCode, streamId) = await FirstResetOrResponseAsync(stream);
        Assert.Equal((Http2Frames.RstStream, 7, 5), (type, errorCode, streamId)); // REFUSED_STREAM for the third
        await Poll.UntilAsync(async ct => await RejectionsAsync(sidecar, "web", "streams") == 1, "streams counted", cancellationToken: Ct);
    }

    [Fact]
    public async Task MaxStreamsPerConnection_BurstOfH2cStreamsToHttp11Pod_OpensAtMostThatManyPodConnections()
    {
        // The translation's bound: an HTTP/1.1 pod connection carries one request at a time, so the streams the app
        // may have in flight bound the connections it opens, even for a client that ignores SETTINGS and sends the
        // whole burst at once.
        const int limit = 4;
        const int burst = 32;
        await using var sidecar = await StartAsync(("Sidecar:Limits:MaxStreamsPerConnection", limit.ToString(CultureInfo.InvariantCulture)));
        var pod = _cluster.Pods["web-0"];
        pod.ResetCounters();
        using var client = new TcpClient();
        await client.ConnectAsync(sidecar.Listen, Ct);
        var stream = client.GetStream();
        // Held long enough that every stream of the burst arrives while the first ones are still at the pod.
        var headers = Http2Frames.GetRequestHeaders("web", "/delay/1000");
        var frames = new List<byte>(Http2Frames.ConnectionStart());
        for (var i = 0; i < burst; i++)
        {
            frames.AddRange(Http2Frames.Frame(Http2Frames.Headers, Http2Frames.EndHeaders | Http2Frames.EndStream, 2 * i + 1, headers));
        }
        await stream.WriteAsync(frames.ToArray(), Ct);

        var (answered, refused) = await CountStreamOutcomesAsync(stream, burst);
        Assert.Equal((limit, burst - limit), (answered, refused));
        Assert.Equal(limit, pod.RequestCount);
        Assert.InRange(pod.ConnectionCount, 1, limit);
    }

    /// <summary>Reads until <paramref name="streams"/> streams have ended: answered (END_STREAM) or reset.</summary>
    private static async Task<(int Answered, int Reset)> CountStreamOutcomesAsync(NetworkStream stream, int streams)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(15));
        int answered = 0, reset = 0;
        while (answered + reset < streams)
        {
            var frame = await Http2Frames.ReadFrameAsync(stream, deadline.Token);
            if (frame.Type == Http2Frames.RstStream)
            {
                reset++;
            }
            else if (frame.Type is Http2Frames.Headers or Http2Frames.Data && (frame.Flags & Http2Frames.EndStream) != 0)
            {
                answered++;
            }
        }
        return (answered, reset);
    }

    /// <summary>The first RST_STREAM or HEADERS frame from the sidecar: type, error code (RST_STREAM) and stream.</summary>
    private static async Task<(byte Type, int ErrorCode, int StreamId)> FirstResetOrResponseAsync(NetworkStream stream)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            var frame = await Http2Frames.ReadFrameAsync(stream, deadline.Token);
            if (frame.Type == Http2Frames.RstStream)
            {
                return (frame.Type, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(frame.Payload), frame.StreamId);
            }
            if (frame.Type == Http2Frames.Headers)
            {
                return (frame.Type, 0, frame.StreamId);
            }
        }
    }

    [Fact]
    public async Task StreamIdleTimeout_RequestBodyNeverSent_StreamResetAndUpstreamReleased()
    {
        await using var sidecar = await StartAsync(("Sidecar:Limits:StreamIdleTimeout", "1s"));
        var pod = _cluster.Pods["web-0"];
        using var client = new TcpClient();
        await client.ConnectAsync(sidecar.Listen, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Http2Frames.ConnectionStart(), Ct);
        // POST (HPACK static index 3) with a body that never comes: no END_STREAM, no DATA.
        byte[] post = [0x83, 0x86, 0x84, 0x41, 0x03, .. "web"u8];
        var started = Stopwatch.GetTimestamp();
        await stream.WriteAsync(Http2Frames.Frame(Http2Frames.Headers, Http2Frames.EndHeaders, 1, post), Ct);
        var (type, _, streamId) = await FirstResetOrResponseAsync(stream);
        var resetAfter = Stopwatch.GetElapsedTime(started);
        Assert.Equal((Http2Frames.RstStream, 1), (type, streamId));
        Assert.InRange(resetAfter, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        await Poll.UntilAsync(async ct => await RejectionsAsync(sidecar, "web", "stream_idle") == 1, "stream_idle counted", cancellationToken: Ct);
        await Poll.UntilAsync(_ => Task.FromResult(pod.OpenConnectionCount == 0), "the pod connection released", cancellationToken: Ct);
    }

    [Fact]
    public async Task MaxPendingPerPod_OneWaits_NextGets503PodOverloaded_PodStaysHealthy()
    {
        await using var sidecar = await StartAsync(("Sidecar:Services:web:Pool:MaxConnectionsPerPod", "1"), ("Sidecar:Limits:MaxPendingPerPod", "1"));
        var pod = _cluster.Pods["web-0"];
        var holding = sidecar.Client.GetAsync("/delay/2000", Ct);
        await Poll.UntilAsync(_ => Task.FromResult(pod.LastRequest?.Path == "/delay/2000"), "the first request at the pod", cancellationToken: Ct);

        // Five at once while the only connection is busy: one may wait, the others are refused without waiting.
        var others = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var response = await sidecar.Client.GetAsync("/next", Ct);
            return (response.StatusCode, Error: response.Headers.TryGetValues("X-Headless-Error", out var e) ? e.Single() : null);
        }));
        Assert.Equal(HttpStatusCode.OK, (await holding).StatusCode);
        var refused = others.Count(o => o is (HttpStatusCode.ServiceUnavailable, "pod_overloaded"));
        Assert.Equal(1, others.Count(o => o.StatusCode == HttpStatusCode.OK));
        Assert.Equal(4, refused);
        Assert.Equal(refused, await RejectionsAsync(sidecar, "web", "pending"));
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        Assert.Equal("healthy", peers.GetProperty("pods")[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Metrics_EveryListenerAndLimit_ExportedAtZero()
    {
        await using var sidecar = await StartAsync();
        var metrics = await sidecar.MetricsAsync(Ct);
        foreach (var limit in new[] { "connections", "request_headers", "headers_timeout", "streams", "stream_idle", "pending" })
        {
            Assert.Equal(0, TestSidecar.Series(metrics, Rejections, ("listener", "web"), ("limit", limit)));
        }
        foreach (var limit in new[] { "connections", "request_headers", "headers_timeout" })
        {
            Assert.Equal(0, TestSidecar.Series(metrics, Rejections, ("listener", "admin"), ("limit", limit)));
        }
    }
}
