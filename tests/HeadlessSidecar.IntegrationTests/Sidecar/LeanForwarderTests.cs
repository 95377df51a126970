using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// The lean HTTP/1.1 forwarder end to end: the real sidecar in front of a pod that answers with scripted bytes.
/// </summary>
public sealed class LeanForwarderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One pod, <c>web-0</c>, served by <paramref name="script"/>; the sidecar sees it at its address.</summary>
    private static async Task<(TestCluster Cluster, ScriptedPod Pod, TestSidecar Sidecar)> StartAsync(Func<ScriptedPod.Request, ScriptedPod.Reply> script)
    {
        var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await cluster.Pods["web-0"].StopAsync();
        var address = LoopbackAddresses.Next();
        cluster.Service.Pod("web-0").Address = address;
        await cluster.ReloadAsync();
        var pod = new ScriptedPod(new IPEndPoint(address, cluster.Pods.Port), script);
        var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s => s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "1000", cancellationToken: Ct);
        await sidecar.WaitForPodAddressAsync("web-0", address, cancellationToken: Ct);
        return (cluster, pod, sidecar);
    }

    private static async Task DisposeAsync((TestCluster Cluster, ScriptedPod Pod, TestSidecar Sidecar) setup)
    {
        await setup.Sidecar.DisposeAsync();
        await setup.Pod.DisposeAsync();
        await setup.Cluster.DisposeAsync();
    }

    private static ScriptedPod.Reply Ok(string body = "ok", string extra = "") =>
        ScriptedPod.Reply.Text($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n{extra}\r\n{body}");

    [Fact]
    public async Task KeepAlive_SequentialRequests_ShareOneUpstreamConnection_HopByHopDropped()
    {
        var setup = await StartAsync(_ => Ok("hello", "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nX-App: yes\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"));
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var request = new HttpRequestMessage(HttpMethod.Get, $"/items/{i}?q=1");
                request.Headers.Add("X-Headless-Ordinal", "0");
                request.Headers.Add("X-Custom", "c");
                request.Headers.Connection.Add("X-Private");
                request.Headers.Add("X-Private", "secret");
                request.Headers.TE.ParseAdd("trailers");
                using var response = await setup.Sidecar.Client.SendAsync(request, Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("hello", await response.Content.ReadAsStringAsync(Ct));
                Assert.Equal("web-0", response.Headers.GetValues("X-Headless-Pod").Single());
                Assert.Equal("yes", response.Headers.GetValues("X-App").Single());
                Assert.Equal(["a=1", "b=2"], response.Headers.GetValues("Set-Cookie"));
                Assert.False(response.Headers.Contains("X-Hop"));
                Assert.False(response.Headers.Contains("Keep-Alive"));
            }
            Assert.Equal(1, setup.Pod.Connections);
            var seen = setup.Pod.Requests.Last();
            Assert.Equal("GET /items/4?q=1 HTTP/1.1", seen.RequestLine);
            Assert.Equal("c", seen.Header("X-Custom"));
            Assert.Null(seen.Header("X-Headless-Ordinal"));
            Assert.Null(seen.Header("X-Private"));
            Assert.Null(seen.Header("TE"));
            Assert.Null(seen.Header("Connection"));
            // The test client calls the sidecar by address: the pod's DNS name and port replace it.
            Assert.StartsWith("web-0.", seen.Header("Host"), StringComparison.Ordinal);
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    [Fact]
    public async Task ChunkedResponse_WithExtensionsAndTrailers_ReassembledAndConnectionReused()
    {
        var setup = await StartAsync(_ => ScriptedPod.Reply.Text(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5;a=b\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"));
        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var response = await setup.Sidecar.Client.GetAsync("/chunked", Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("hello, world", await response.Content.ReadAsStringAsync(Ct));
                Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
            }
            Assert.Equal(1, setup.Pod.Connections);
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    [Fact]
    public async Task CloseDelimitedResponse_BodyReadToEnd_ConnectionNotReused()
    {
        var setup = await StartAsync(_ => ScriptedPod.Reply.Text("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", close: true));
        try
        {
            for (var i = 0; i < 2; i++)
            {
                using var response = await setup.Sidecar.Client.GetAsync("/close", Ct);
                Assert.Equal("until the end", await response.Content.ReadAsStringAsync(Ct));
            }
            Assert.Equal(2, setup.Pod.Connections);
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    [Fact]
    public async Task ConnectionCloseFromUpstream_NextRequestOnANewConnection()
    {
        // The pod says close but keeps the socket open: the sidecar must not reuse it anyway.
        var setup = await StartAsync(_ => Ok("x", "Connection: close\r\n"));
        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var response = await setup.Sidecar.Client.GetAsync("/", Ct);
                Assert.Equal("x", await response.Content.ReadAsStringAsync(Ct));
            }
            Assert.Equal(3, setup.Pod.Connections);
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    [Fact]
    public async Task KeptAliveConnectionClosedByThePod_NextGetSentAgainOnANewConnection()
    {
        // Each answer looks reusable, but the pod closes the connection right after it.
        var setup = await StartAsync(_ => ScriptedPod.Reply.Text("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", close: true));
        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var response = await setup.Sidecar.Client.GetAsync("/", Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("ok", await response.Content.ReadAsStringAsync(Ct));
            }
            // One pod: without the resend on a new connection, a reuse of a closed one would have been a 502.
            Assert.Equal(3, setup.Pod.Requests.Count);
            Assert.Equal(3, setup.Pod.Connections);
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    [Fact]
    public async Task BodilessAnswers_HeadNoContentNotModified_NoBodyAndConnectionReused()
    {
        var setup = await StartAsync(request => request.RequestLine.Split(' ')[1] switch
        {
            "/204" => ScriptedPod.Reply.Text("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"),
            "/304" => ScriptedPod.Reply.Text("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 10\r\n\r\n"),
            _ => ScriptedPod.Reply.Text("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: text/html\r\n\r\n"),
        });
        try
        {
            using (var head = await setup.Sidecar.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/head"), Ct))
            {
                Assert.Equal(HttpStatusCode.OK, head.StatusCode);
                Assert.Equal(1234, head.Content.Headers.ContentLength);
                Assert.Empty(await head.Content.ReadAsByteArrayAsync(Ct));
            }
            using (var noContent = await setup.Sidecar.Client.GetAsync("/204", Ct))
            {
                Assert.Equal(HttpStatusCode.NoContent, noContent.StatusCode);
                Assert.Equal("1", noContent.Headers.GetValues("X-A").Single());
                Assert.Empty(await noContent.Content.ReadAsByteArrayAsync(Ct));
            }
            using (var notModified = await setup.Sidecar.Client.GetAsync("/304", Ct))
            {
                Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
                Assert.Equal("\"v1\"", notModified.Headers.ETag!.Tag);
                Assert.Empty(await notModified.Content.ReadAsByteArrayAsync(Ct));
            }
            Assert.Equal(1, setup.Pod.Connections);
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    [Fact]
    public async Task InterimResponses_Skipped_FinalAnswerForwarded()
    {
        var setup = await StartAsync(_ => ScriptedPod.Reply.Text(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nmade"));
        try
        {
            using var response = await setup.Sidecar.Client.PostAsync("/things", new StringContent("{}"), Ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal("made", await response.Content.ReadAsStringAsync(Ct));
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: b\r\n folded\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 2\n\nok")]
    public async Task MalformedResponse_502UpstreamFailed(string reply)
    {
        var setup = await StartAsync(_ => ScriptedPod.Reply.Text(reply, close: true));
        try
        {
            using var response = await setup.Sidecar.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Equal("upstream_failed", response.Headers.GetValues("X-Headless-Error").Single());
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal("upstream_failed", json.RootElement.GetProperty("error").GetString());
            Assert.Contains("invalid response", json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n186A0\r\n")]
    public async Task TruncatedBodyAfterHeaders_AppConnectionAborted(string head)
    {
        var bytes = Encoding.Latin1.GetBytes(head).Concat(new byte[50_000]).ToArray();
        var setup = await StartAsync(_ => new ScriptedPod.Reply(bytes, Close: true));
        try
        {
            // The sidecar aborts the app's connection once the answer has started: depending on when the reset
            // lands, the client fails reading the body or (its unread bytes dropped) already the head.
            var failed = false;
            try
            {
                using var response = await setup.Sidecar.Client.GetAsync("/big", HttpCompletionOption.ResponseHeadersRead, Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await response.Content.ReadAsByteArrayAsync(Ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                failed = true;
            }
            Assert.True(failed, "the app received a complete answer from a truncated upstream body");
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    [Fact]
    public async Task Posts_ContentLengthAndChunkedBodies_ArriveExactly()
    {
        var setup = await StartAsync(request => Ok(request.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        try
        {
            var payload = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
            using (var sized = await setup.Sidecar.Client.PostAsync("/sized", new ByteArrayContent(payload), Ct))
            {
                Assert.Equal("200000", await sized.Content.ReadAsStringAsync(Ct));
            }
            var first = setup.Pod.Requests.Last();
            Assert.Equal("200000", first.Header("Content-Length"));
            Assert.Equal(payload, first.Body);

            using (var chunked = await setup.Sidecar.Client.PostAsync("/chunked", new StreamContent(new UnknownLengthStream(payload)), Ct))
            {
                Assert.Equal("200000", await chunked.Content.ReadAsStringAsync(Ct));
            }
            var second = setup.Pod.Requests.Last();
            Assert.Equal("chunked", second.Header("Transfer-Encoding"));
            Assert.Null(second.Header("Content-Length"));
            Assert.Equal(payload, second.Body);
            Assert.Equal(1, setup.Pod.Connections);
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    [Fact]
    public async Task AbsoluteFormRequest_SentInOriginForm_HostKept()
    {
        var setup = await StartAsync(_ => Ok());
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(setup.Sidecar.Listen, Ct);
            var stream = client.GetStream();
            var host = $"web-0.{TestCluster.ServiceName}:8080";
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET http://{host}/p/q?x=1 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), Ct);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            var answer = await reader.ReadToEndAsync(Ct);
            Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
            var seen = setup.Pod.Requests.Single();
            Assert.Equal("GET /p/q?x=1 HTTP/1.1", seen.RequestLine);
            Assert.Equal(host, seen.Header("Host"));
        }
        finally
        {
            await DisposeAsync(setup);
        }
    }

    /// <summary>A stream that hides its length, so the client sends the body chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
