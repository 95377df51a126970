using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using HeadlessSidecar.IntegrationTests.Hosting;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Limits;

/// <summary>SIGTERM through the real executable: GOAWAY to HTTP/2 clients, DrainDelay, and an exit as soon as nothing is in flight.</summary>
public sealed class DrainTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sigterm_IdleHttp2AndKeepAliveClients_GoawayAtOnce_ExitWithoutWaitingForThem()
    {
        await using var sidecar = await ProcessSidecar.StartAsync(cancellationToken: Ct);

        // An h2c client that got its answer and then just stays connected, and an idle HTTP/1.1 keep-alive one.
        using var h2 = new TcpClient();
        await h2.ConnectAsync(sidecar.AppEndPoint, Ct);
        var stream = h2.GetStream();
        await stream.WriteAsync(Http2Frames.ConnectionStart(), Ct);
        await stream.WriteAsync(Http2Frames.Frame(Http2Frames.Headers, Http2Frames.EndHeaders | Http2Frames.EndStream, 1, Http2Frames.GetRequestHeaders("web")), Ct);
        await ReadUntilAsync(stream, f => f.Type == Http2Frames.Data && (f.Flags & Http2Frames.EndStream) != 0 || f.Type == Http2Frames.Headers && (f.Flags & Http2Frames.EndStream) != 0);
        using var keepAlive = new TcpClient();
        await keepAlive.ConnectAsync(sidecar.AppEndPoint, Ct);
        await keepAlive.GetStream().WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), Ct);
        Assert.True(await keepAlive.GetStream().ReadAsync(new byte[4096], Ct) > 0);

        var sigterm = Stopwatch.GetTimestamp();
        await SidecarProcess.SignalAsync(sidecar.Process.Id, "TERM");
        var goAway = await ReadUntilAsync(stream, f => f.Type == Http2Frames.GoAway);
        var goAwayAfter = Stopwatch.GetElapsedTime(sigterm);
        Assert.Equal(0, await sidecar.Process.WaitForExitAsync(TimeSpan.FromSeconds(20), Ct));
        var exitAfter = Stopwatch.GetElapsedTime(sigterm);
        Http2AbuseTests.Report($"SIGTERM with an idle h2c and an idle keep-alive client: GOAWAY after {goAwayAfter.TotalMilliseconds:0} ms, exit after {exitAfter.TotalMilliseconds:0} ms");
        Assert.Equal(0, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(goAway.Payload.AsSpan(4))); // NO_ERROR
        Assert.True(goAwayAfter < TimeSpan.FromSeconds(2), $"GOAWAY after {goAwayAfter}");
        // DrainTimeout is 10 s here: the exit must not have waited for it, nor for the clients to leave.
        Assert.True(exitAfter < TimeSpan.FromSeconds(3), $"exit after {exitAfter}");
    }

    [Fact]
    public async Task Sigterm_WithDrainDelay_ReadyzAt503_NewRequestsServedDuringDelay_RefusedAfter_Exit0()
    {
        await using var sidecar = await ProcessSidecar.StartAsync(new JsonObject { ["DrainDelay"] = "3s" }, cancellationToken: Ct);
        using var app = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero })
        {
            BaseAddress = new Uri($"http://{sidecar.AppEndPoint}/"),
        };

        var sigterm = Stopwatch.GetTimestamp();
        await SidecarProcess.SignalAsync(sidecar.Process.Id, "TERM");
        await Poll.UntilAsync(async ct => (await sidecar.AdminClient.GetAsync("readyz", ct)).StatusCode == HttpStatusCode.ServiceUnavailable,
            "readyz 503", timeout: TimeSpan.FromSeconds(1), cancellationToken: Ct);
        var notReadyAfter = Stopwatch.GetElapsedTime(sigterm);

        // Within the delay: a new connection and request are served as usual.
        using (var response = await app.GetAsync("/during-delay", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var servedAfter = Stopwatch.GetElapsedTime(sigterm);
        Assert.True(servedAfter < TimeSpan.FromSeconds(3), $"the request during the delay was answered {servedAfter} after SIGTERM");

        await Poll.UntilAsync(async ct => !await Poll.AcceptsTcpAsync(sidecar.AppEndPoint, ct), "listener closed after the delay",
            timeout: TimeSpan.FromSeconds(10), cancellationToken: Ct);
        var closedAfter = Stopwatch.GetElapsedTime(sigterm);
        Assert.Equal(0, await sidecar.Process.WaitForExitAsync(TimeSpan.FromSeconds(20), Ct));
        var exitAfter = Stopwatch.GetElapsedTime(sigterm);
        Http2AbuseTests.Report($"DrainDelay 3 s: readyz 503 after {notReadyAfter.TotalMilliseconds:0} ms, request served at {servedAfter.TotalMilliseconds:0} ms, listener closed at {closedAfter.TotalMilliseconds:0} ms, exit at {exitAfter.TotalMilliseconds:0} ms");
        Assert.InRange(closedAfter, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(6));
    }

    private static async Task<(byte Type, byte Flags, int StreamId, byte[] Payload)> ReadUntilAsync(
        NetworkStream stream, Func<(byte Type, byte Flags, int StreamId, byte[] Payload), bool> wanted)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            var frame = await Http2Frames.ReadFrameAsync(stream, deadline.Token);
            if (wanted(frame))
            {
                return frame;
            }
        }
    }
}
