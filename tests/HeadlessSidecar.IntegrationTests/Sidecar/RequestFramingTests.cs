using System.Text.Json;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// Strict framing inbound (docs/hardening.md, "Request framing"): every hostile request of
/// <see cref="HostileRequests"/> is refused before any of it reaches the pod, on both forwarders, and a malformed
/// body is the client's error (400), never the pod's failure.
/// </summary>
public abstract class RequestFramingTests(FramingSidecar sidecar)
{
    private const string ValidGet = "GET /ok HTTP/1.1\r\nHost: web\r\nX-Headless-Ordinal: 0\r\n\r\n";

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(HostileRequests.Names), MemberType = typeof(HostileRequests))]
    public async Task HostileRequest_Refused_NothingReachesThePod(string name)
    {
        var (request, status) = HostileRequests.All[name];
        var requestsBefore = sidecar.Pod.Requests.Count;

        var answer = await RawHttpExchange.SendAsync(sidecar.Listen, request, Ct);

        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {answer.Status} {answer.Header("X-Headless-Error") ?? "(Kestrel's own answer)"} {answer.Body}");
        Assert.True(status == answer.Status, $"{name}: expected {status}, got {answer}{sidecar.Describe()} pod saw: {System.Text.Json.JsonSerializer.Serialize(sidecar.Pod.Requests.LastOrDefault()?.Head)}");
        Assert.Equal(requestsBefore, sidecar.Pod.Requests.Count);
        if (answer.Header("X-Headless-Error") is { } code)
        {
            Assert.Equal(status == 501 ? "not_implemented" : "bad_request", code);
            Assert.Equal(code, JsonDocument.Parse(answer.Body).RootElement.GetProperty("error").GetString());
        }
        // The pod is as healthy as before and serves the next request.
        var next = await RawHttpExchange.SendAsync(sidecar.Listen, ValidGet, Ct);
        Assert.True(next.Status == 200, $"after {name}: {next}{sidecar.Describe()}");
        var peer = await sidecar.PeerAsync(Ct);
        Assert.Equal("healthy", peer.GetProperty("state").GetString());
        Assert.Equal(0, peer.GetProperty("consecutiveFailures").GetInt32());
    }

    [Theory]
    [InlineData("POST /valid HTTP/1.1\r\nHost: web\r\nContent-Length: 5\r\n\r\nhello")]
    [InlineData("POST /valid HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("POST /valid HTTP/1.1\r\nHost: web\r\ntransfer-encoding:\tChunked \r\n\r\n5;name=value\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n")]
    [InlineData("PUT /valid HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n")]
    [InlineData("POST /valid HTTP/1.0\r\nHost: web\r\nContent-Length: 5\r\n\r\nhello")]
    public async Task WellFormedRequest_Forwarded_BodyIntact(string request)
    {
        var answer = await RawHttpExchange.SendAsync(sidecar.Listen, request, Ct);

        Assert.True(answer.Status == 200, $"{answer}{sidecar.Describe()}");
        var seen = sidecar.Pod.Requests.Last();
        Assert.StartsWith(request[..request.IndexOf(' ', StringComparison.Ordinal)] + " /valid HTTP/1.1", seen.RequestLine, StringComparison.Ordinal);
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(seen.Body));
        Assert.Null(seen.Header("X-Content-Length"));
    }

    [Fact]
    public async Task MalformedBodies_FivePinnedToOnePod_PodStaysHealthyAndServes()
    {
        // Health:ConsecutiveFailures is 5 (the default): were these the pod's failures, it would be ejected.
        for (var i = 0; i < 5; i++)
        {
            var answer = await RawHttpExchange.SendAsync(sidecar.Listen,
                "POST /bad HTTP/1.1\r\nHost: web\r\nX-Headless-Ordinal: 0\r\nTransfer-Encoding: chunked\r\n\r\n5;a\nhello\r\n0\r\n\r\n", Ct);
            Assert.Equal(400, answer.Status);
        }
        var peer = await sidecar.PeerAsync(Ct);
        Assert.Equal("healthy", peer.GetProperty("state").GetString());
        Assert.Equal(0, peer.GetProperty("consecutiveFailures").GetInt32());
        var next = await RawHttpExchange.SendAsync(sidecar.Listen, ValidGet, Ct);
        Assert.Equal(200, next.Status);
        var metrics = await sidecar.Admin.GetStringAsync("metrics", Ct);
        Assert.Equal(0, TestSidecar.Series(metrics, "headless_sidecar_ejections_total", ("pod", "web-0")) ?? 0);
        Assert.Null(TestSidecar.Series(metrics, "headless_sidecar_failovers_total"));
    }
}

/// <summary>The lean HTTP/1.1 forwarder (in-process sidecar).</summary>
public sealed class LeanRequestFramingTests(LeanFramingSidecar sidecar) : RequestFramingTests(sidecar), IClassFixture<LeanFramingSidecar>;

/// <summary>YARP's forwarder (the real executable, <c>HEADLESS_SIDECAR_FORWARDER=yarp</c>).</summary>
public sealed class YarpRequestFramingTests(YarpFramingSidecar sidecar) : RequestFramingTests(sidecar), IClassFixture<YarpFramingSidecar>;
