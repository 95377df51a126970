using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.IntegrationTests.Hosting;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Limits;

/// <summary>
/// Hostile HTTP/2 clients on the h2c listener, against the real executable (inline socket completions, as shipped):
/// each is closed or contained within a bounded time while other clients keep their latency.
/// </summary>
public sealed class Http2AbuseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Figures go to the test output, and to the file <c>HEADLESS_SIDECAR_TEST_REPORT</c> names when set.</summary>
    internal static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("HEADLESS_SIDECAR_TEST_REPORT") is { Length: > 0 } path)
        {
            File.AppendAllText(path, $"{TestContext.Current.Test?.TestDisplayName}: {line}{Environment.NewLine}");
        }
    }

    [Fact]
    public async Task SettingsPingFlood_NeverReading_ClosedAtOnce_OtherClientsKeepTheirLatency()
    {
        await using var sidecar = await ProcessSidecar.StartAsync(cancellationToken: Ct);
        await SampleAsync(sidecar, 5);
        var baseline = await SampleAsync(sidecar, 50);
        var rss = sidecar.ResidentBytes();

        // An attacker that reconnects as soon as it is closed, for as long as the other client samples.
        using var attack = new CancellationTokenSource();
        var closes = new System.Collections.Concurrent.ConcurrentBag<TimeSpan>();
        var attackers = Enumerable.Range(0, 1).Select(_ => Task.Run(async () =>
        {
            while (!attack.IsCancellationRequested)
            {
                try
                {
                    if (await FloodAsync(sidecar, attack.Token) is { } closedAfter)
                    {
                        closes.Add(closedAfter);
                    }
                }
                catch (OperationCanceledException) when (attack.IsCancellationRequested)
                {
                    // Stopped mid-connect or mid-flood: the attack is over, not failed.
                }
            }
        }, Ct)).ToArray();
        await Poll.UntilAsync(_ => Task.FromResult(!closes.IsEmpty), "a first flood connection closed", cancellationToken: Ct);
        var during = await SampleAsync(sidecar, 100);
        var rssDuring = sidecar.ResidentBytes();
        await attack.CancelAsync();
        await Task.WhenAll(attackers);

        var closeTimes = closes.Select(c => c.TotalMilliseconds).ToArray();
        Report($"other clients' new-connection GET ms: baseline p50 {Percentile(baseline, 0.5):0.0} p99 {Percentile(baseline, 0.99):0.0} max {baseline.Max():0.0}; " +
            $"during the flood p50 {Percentile(during, 0.5):0.0} p99 {Percentile(during, 0.99):0.0} max {during.Max():0.0}; " +
            $"{closeTimes.Length} flood connections closed, p50 {Percentile(closeTimes, 0.5):0} ms max {closeTimes.Max():0} ms after their first byte; RSS {rss / 1048576} -> {rssDuring / 1048576} MiB");
        Assert.True(Percentile(closeTimes, 0.5) < 1000, $"flood connections stayed open {Percentile(closeTimes, 0.5):0} ms (median)");
        Assert.True(Percentile(during, 0.99) < 250, $"requests on new connections took up to {during.Max():0} ms during the flood");
    }

    [Fact]
    public async Task RapidReset_UpstreamWorkCancelled_LogsBounded_SigtermExitsPromptly()
    {
        // Kestrel's own connection and shutdown events, so a slow exit shows what the server waited for.
        await using var sidecar = await ProcessSidecar.StartAsync(environment: new Dictionary<string, string>
        {
            ["Logging__LogLevel__Microsoft.AspNetCore.Server.Kestrel"] = "Debug",
            ["Logging__LogLevel__Microsoft.AspNetCore.Server.Kestrel.Http2"] = "Information",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        }, cancellationToken: Ct);
        var pod = sidecar.Cluster.Pods["web-0"];

        // The classic burst: five connections, each 500 streams reset right after their HEADERS, all in one write.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => RapidResetAsync(sidecar, streams: 500, pod: null)));

        // Streams the pod already works on (it holds each 3 s), then reset: their upstream requests end at once.
        // The resets wait for the gate: sent as soon as the pod had seen some requests, they could overtake the rest.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = Enumerable.Range(0, 4).Select(_ => RapidResetAsync(sidecar, streams: 50, pod: pod, resetGate: gate.Task)).ToArray();
        var podRequests = 0;
        await Poll.UntilAsync(async ct => (podRequests = await ActiveRequestsAsync(sidecar, ct)) >= 150, "reset streams' requests at the pod", cancellationToken: Ct);
        var resetStarted = Stopwatch.GetTimestamp();
        gate.SetResult();
        await Task.WhenAll(held);
        await Poll.UntilAsync(async ct => await ActiveRequestsAsync(sidecar, ct) == 0, "no request in flight to the pod",
            timeout: TimeSpan.FromSeconds(2), describe: sidecar.Process.Describe, cancellationToken: Ct);
        var released = Stopwatch.GetElapsedTime(resetStarted);

        var sigterm = Stopwatch.GetTimestamp();
        await SidecarProcess.SignalAsync(sidecar.Process.Id, "TERM");
        var exit = await sidecar.Process.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        var exitAfter = Stopwatch.GetElapsedTime(sigterm);
        var lines = sidecar.Process.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var loud = lines.Count(l => l.Contains("crit:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal) || l.Contains("warn:", StringComparison.Ordinal));
        Report($"rapid reset: {podRequests} requests were in flight to the pod when their streams were reset, all released {released.TotalMilliseconds:0} ms after the resets; " +
            $"{lines.Length} log lines, {loud} warn/fail/crit; SIGTERM to exit {exitAfter.TotalMilliseconds:0} ms");
        Assert.Equal(0, exit);
        Assert.True(exitAfter < TimeSpan.FromSeconds(5), $"exit took {exitAfter}; SIGTERM sent at {DateTime.UtcNow - exitAfter:HH:mm:ss.fff}Z{sidecar.Process.Describe()}");
        Assert.True(loud <= 40, $"{loud} warn/fail/crit lines:{Environment.NewLine}{string.Join(Environment.NewLine, lines.Take(60))}");
    }

    [Fact]
    public async Task ContinuationFlood_EmptyOrGrowing_ClosedWithinBoundedTime()
    {
        await using var sidecar = await ProcessSidecar.StartAsync(cancellationToken: Ct);
        var headers = Http2Frames.GetRequestHeaders("web");

        // Empty CONTINUATION frames carry nothing and never end the head: cut by the frame guard.
        var empty = await FloodUntilClosedAsync(sidecar, Http2Frames.Frame(Http2Frames.Headers, 0, 1, headers),
            Http2Frames.Frame(Http2Frames.Continuation, 0, 1, []));
        // CONTINUATION frames full of header bytes: past MaxRequestHeadersBytes Kestrel ends the connection.
        byte[] literal = [0x00, 0x05, .. "x-pad"u8, 0x7f, 0xe9, 0x06, .. Enumerable.Repeat((byte)'a', 1000)]; // x-pad: 1,000 bytes, not indexed
        var growing = await FloodUntilClosedAsync(sidecar, Http2Frames.Frame(Http2Frames.Headers, 0, 1, headers),
            Http2Frames.Frame(Http2Frames.Continuation, 0, 1, literal));
        Report($"CONTINUATION flood: empty frames closed after {empty.TotalMilliseconds:0} ms, growing frames after {growing.TotalMilliseconds:0} ms");
        Assert.True(empty < TimeSpan.FromSeconds(2), $"empty CONTINUATION flood open {empty}");
        Assert.True(growing < TimeSpan.FromSeconds(2), $"growing CONTINUATION flood open {growing}");
        Assert.True(await sidecar.TimeNewConnectionRequestAsync(Ct) < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task ZeroWindowStream_NeverOpened_ResetAfterStreamIdleTimeout_PodConnectionReleased()
    {
        await using var sidecar = await ProcessSidecar.StartAsync(new System.Text.Json.Nodes.JsonObject
        {
            ["Limits"] = new System.Text.Json.Nodes.JsonObject { ["StreamIdleTimeout"] = "1s" },
        }, cancellationToken: Ct);
        var pod = sidecar.Cluster.Pods["web-0"];
        using var client = new TcpClient();
        await client.ConnectAsync(sidecar.AppEndPoint, Ct);
        var stream = client.GetStream();
        // SETTINGS_INITIAL_WINDOW_SIZE = 0: the response body can never be sent.
        await stream.WriteAsync((byte[])[.. Http2Frames.Preface, .. Http2Frames.Frame(Http2Frames.Settings, 0, 0, [0x0, 0x4, 0, 0, 0, 0])], Ct);
        var started = Stopwatch.GetTimestamp();
        // A body larger than what Kestrel buffers per stream, so the sidecar's copy waits on the window.
        await stream.WriteAsync(Http2Frames.Frame(Http2Frames.Headers, Http2Frames.EndHeaders | Http2Frames.EndStream, 1, Http2Frames.GetRequestHeaders("web", "/bytes/1048576")), Ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while ((await Http2Frames.ReadFrameAsync(stream, deadline.Token)) is var frame && !(frame.Type == Http2Frames.RstStream && frame.StreamId == 1))
        {
        }
        var resetAfter = Stopwatch.GetElapsedTime(started);
        await Poll.UntilAsync(_ => Task.FromResult(pod.OpenConnectionCount == 0), "the pod connection closed", cancellationToken: Ct);
        Report($"zero-window stream: RST_STREAM after {resetAfter.TotalMilliseconds:0} ms (StreamIdleTimeout 1 s)");
        Assert.InRange(resetAfter, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
    }

    /// <summary>Writes <paramref name="first"/> then <paramref name="repeated"/> as fast as possible; how long until the sidecar closed the connection.</summary>
    private static async Task<TimeSpan> FloodUntilClosedAsync(ProcessSidecar sidecar, byte[] first, byte[] repeated)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(sidecar.AppEndPoint, Ct);
        var stream = client.GetStream();
        var burst = Enumerable.Repeat(repeated, Math.Max(1, 64 * 1024 / repeated.Length)).SelectMany(b => b).ToArray();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        var started = Stopwatch.GetTimestamp();
        try
        {
            await stream.WriteAsync((byte[])[.. Http2Frames.ConnectionStart(), .. first], deadline.Token);
            while (true)
            {
                await stream.WriteAsync(burst, deadline.Token);
            }
        }
        catch (IOException)
        {
            return Stopwatch.GetElapsedTime(started);
        }
    }

    private static async Task<int> ActiveRequestsAsync(ProcessSidecar sidecar, CancellationToken cancellationToken)
    {
        var peers = await sidecar.AdminClient.GetFromJsonAsync<System.Text.Json.JsonElement>("debug/peers", cancellationToken);
        return peers.GetProperty("services").EnumerateArray().Sum(s => s.GetProperty("pods").EnumerateArray().Sum(p => p.GetProperty("activeRequests").GetInt32()));
    }

    /// <summary>
    /// HEADERS (a request the pod holds 3 s) and RST_STREAM(CANCEL) for each stream: in one write when
    /// <paramref name="pod"/> is null, else the resets once the pod has seen the requests and <paramref name="resetGate"/> opened. Then reads until the
    /// sidecar closes the connection (or 5 s passed).
    /// </summary>
    private static async Task RapidResetAsync(ProcessSidecar sidecar, int streams, LoopbackHttpPod? pod, Task? resetGate = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(sidecar.AppEndPoint, Ct);
        var stream = client.GetStream();
        var requests = new List<byte>(Http2Frames.ConnectionStart());
        var resets = new List<byte>();
        var headers = Http2Frames.GetRequestHeaders("web", "/delay/3000");
        for (var i = 0; i < streams; i++)
        {
            var id = 1 + 2 * i;
            requests.AddRange(Http2Frames.Frame(Http2Frames.Headers, Http2Frames.EndHeaders | Http2Frames.EndStream, id, headers));
            (pod is null ? requests : resets).AddRange(Http2Frames.RstStreamFrame(id, 0x8));
        }
        var seen = pod?.RequestCount ?? 0;
        try
        {
            await stream.WriteAsync(requests.ToArray(), Ct);
            if (pod is not null)
            {
                await Poll.UntilAsync(_ => Task.FromResult(pod.RequestCount >= seen + streams / 2), "requests at the pod", cancellationToken: Ct);
                if (resetGate is not null)
                {
                    await resetGate.WaitAsync(Ct);
                }
                await stream.WriteAsync(resets.ToArray(), Ct);
                return;
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(5));
            var buffer = new byte[16384];
            while (await stream.ReadAsync(buffer, deadline.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // Closed by the sidecar (GOAWAY ENHANCE_YOUR_CALM), or still open after 5 s.
        }
    }

    /// <summary>SETTINGS and PING frames as fast as the socket takes them, never reading; how long until the
    /// sidecar closed the connection, or null when the attack was called off first.</summary>
    private static async Task<TimeSpan?> FloodAsync(ProcessSidecar sidecar, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        client.ReceiveBufferSize = 4096;
        await client.ConnectAsync(sidecar.AppEndPoint, cancellationToken);
        var stream = client.GetStream();
        var burst = new List<byte>(Http2Frames.ConnectionStart());
        for (var i = 0; i < 2000; i++)
        {
            burst.AddRange(Http2Frames.Frame(Http2Frames.Settings, 0, 0, [0x0, 0x4, 0x0, 0x0, 0xff, 0xff]));
            burst.AddRange(Http2Frames.Frame(Http2Frames.Ping, 0, 0, new byte[8]));
        }
        var first = burst.ToArray();
        var bytes = first[(Http2Frames.ConnectionStart().Length)..];
        var started = Stopwatch.GetTimestamp();
        try
        {
            await stream.WriteAsync(first, cancellationToken);
            while (true)
            {
                await stream.WriteAsync(bytes, cancellationToken);
            }
        }
        catch (IOException)
        {
            return Stopwatch.GetElapsedTime(started);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<double[]> SampleAsync(ProcessSidecar sidecar, int count)
    {
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            samples[i] = (await sidecar.TimeNewConnectionRequestAsync(Ct)).TotalMilliseconds;
        }
        return samples;
    }

    private static double Percentile(double[] samples, double p)
    {
        var sorted = samples.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
    }
}
