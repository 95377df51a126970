using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// Slow request bodies (slowloris <c>-B</c>): an app that trickles its body must not hold pod connections. A body
/// whose length fits <c>Retry:MaxReplayBodyBytes</c> is buffered before a pod is picked; a body of unknown length
/// streams, and Kestrel's minimum data rate ends it, releasing the pod connection at once.
/// </summary>
public sealed class SlowBodyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SlowBodies_200Clients_HoldNoPodConnectionWhileTheyTrickle()
    {
        const int clients = 200;
        const int length = 64;
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        var pod = cluster.Pods["web-0"];
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < clients; i++)
            {
                var socket = new Socket(sidecar.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(sidecar.Listen, Ct);
                await socket.SendAsync(Encoding.ASCII.GetBytes($"POST /slow HTTP/1.1\r\nHost: web\r\nContent-Length: {length}\r\n\r\nx"), Ct);
            }
            // The trickle itself: one byte per client per second, well under Kestrel's 240 bytes/s.
            for (var round = 0; round < 2; round++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), Ct);
                foreach (var socket in sockets)
                {
                    await socket.SendAsync("x"u8.ToArray(), Ct);
                }
            }
            var held = pod.OpenConnectionCount;
            var open = (await sidecar.PeersAsync(cancellationToken: Ct)).GetProperty("pods")[0].GetProperty("openConnections").GetInt32();
            TestContext.Current.TestOutputHelper?.WriteLine($"{clients} slow-body clients: pod connections open {held} (pod side), {open} (sidecar side)");
            Assert.Equal(0, held);
            Assert.Equal(0, open);

            // The rest of each body arrives: every request is then forwarded whole.
            foreach (var socket in sockets)
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes(new string('x', length - 3)), Ct);
            }
            foreach (var socket in sockets)
            {
                var answer = await RawHttpExchange.ReadAnswerAsync(socket, Ct);
                Assert.True(answer.Status == 200, answer.ToString());
            }
            Assert.Equal(clients, pod.RequestCount);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task SlowChunkedBody_BelowMinimumDataRate_408AndPodConnectionReleasedAtOnce()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        var pod = cluster.Pods["web-0"];
        using var socket = new Socket(sidecar.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(sidecar.Listen, Ct);
        var sent = Stopwatch.StartNew();
        // A body of unknown length streams to the pod as it comes; then nothing more comes.
        await socket.SendAsync("POST /slow HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n"u8.ToArray(), Ct);
        await Poll.UntilAsync(_ => Task.FromResult(pod.OpenConnectionCount == 1), "the streaming request holds one pod connection", cancellationToken: Ct);

        var answer = await RawHttpExchange.ReadAnswerAsync(socket, Ct);
        var answered = sent.Elapsed;
        await Poll.UntilAsync(async ct => pod.OpenConnectionCount == 0 &&
            (await sidecar.PeersAsync(cancellationToken: ct)).GetProperty("pods")[0].GetProperty("openConnections").GetInt32() == 0,
            "the pod connection released", TimeSpan.FromSeconds(1), cancellationToken: Ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"stalled body answered {answer.Status} after {answered.TotalSeconds:0.0} s; pod connection released {(sent.Elapsed - answered).TotalMilliseconds:0} ms later");

        Assert.Equal(408, answer.Status);
        Assert.Equal("request_timeout", answer.Header("X-Headless-Error"));
        // Kestrel's grace period is 5 s at 240 bytes/s: the connection was held no longer than that (and a margin).
        Assert.InRange(answered, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(9));
        var peer = (await sidecar.PeersAsync(cancellationToken: Ct)).GetProperty("pods")[0];
        Assert.Equal("healthy", peer.GetProperty("state").GetString());
        Assert.Equal(0, peer.GetProperty("consecutiveFailures").GetInt32());
    }

    [Fact]
    public async Task StreamingBodyOutlastingTimeoutsRequest_408_PodNotBlamed()
    {
        // Fast enough for Kestrel's minimum data rate, too slow for Timeouts:Request. ConsecutiveFailures is 1: were
        // this the pod's failure, the pod would be ejected.
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:Timeouts:Request"] = "1s";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "1";
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);
        using var socket = new Socket(sidecar.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(sidecar.Listen, Ct);
        await socket.SendAsync("POST /slow HTTP/1.1\r\nHost: web\r\nX-Headless-Ordinal: 0\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n"u8.ToArray(), Ct);
        var answer = RawHttpExchange.ReadAnswerAsync(socket, Ct);
        // One chunk every 100 ms (the trickle is the scenario) until the sidecar answers or 3 s have passed.
        for (var i = 0; i < 30 && !answer.IsCompleted; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
            try
            {
                await socket.SendAsync("1\r\nx\r\n"u8.ToArray(), Ct);
            }
            catch (SocketException)
            {
                break; // The sidecar closed the connection after its answer.
            }
        }

        var result = await answer;
        Assert.Equal(408, result.Status);
        Assert.Equal("request_timeout", result.Header("X-Headless-Error"));
        Assert.Contains("Timeouts:Request", result.Body, StringComparison.Ordinal);
        var peer = (await sidecar.PeersAsync(cancellationToken: Ct)).GetProperty("pods")[0];
        Assert.Equal("healthy", peer.GetProperty("state").GetString());
        Assert.Equal(0, peer.GetProperty("consecutiveFailures").GetInt32());
    }
}
