using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar.Grpc;

/// <summary>
/// Real gRPC on both sides (issue 14): a Grpc.Net.Client app calls Grpc.AspNetCore pods through the real sidecar
/// (<c>UpstreamHttpVersion: 2</c>) and the Knot DNS fixture.
/// </summary>
public sealed class GrpcThroughSidecarTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestSidecar> StartSidecarAsync(GrpcCluster cluster, Action<Dictionary<string, string?>>? configure = null) =>
        TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:UpstreamHttpVersion"] = "2";
            configure?.Invoke(s);
        }, cancellationToken: Ct);

    private static GrpcChannel Channel(TestSidecar sidecar) => GrpcChannel.ForAddress($"http://{sidecar.Listen}", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { UseProxy = false },
        DisposeHttpClient = true,
    });

    private static async Task<string> EchoAsync(CallInvoker invoker, Metadata? headers = null, string request = "hi") =>
        await invoker.AsyncUnaryCall(TestGrpcService.Echo, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(20), Ct), request);

    [Fact]
    public async Task ServerStream_OutlivesTimeoutsRequest_EndsWithOk()
    {
        await using var cluster = await GrpcCluster.StartAsync(2, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:Timeouts:Request"] = "1s");
        using var channel = Channel(sidecar);
        var stopwatch = Stopwatch.StartNew();
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(TestGrpcService.Watch, null, new CallOptions(cancellationToken: Ct), "6,350");
        var messages = new List<string>();
        await foreach (var message in call.ResponseStream.ReadAllAsync(Ct))
        {
            messages.Add(message);
        }
        Assert.Equal(6, messages.Count);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.True(stopwatch.Elapsed > TimeSpan.FromSeconds(1.5), $"the stream took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task UnaryCall_PodSlowerThanTimeoutsRequest_StillBoundedByIt()
    {
        // Without grpc-timeout, Timeouts:Request still bounds the wait for response headers.
        await using var cluster = await GrpcCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:Timeouts:Request"] = "500ms");
        using var channel = Channel(sidecar);
        var call = channel.CreateCallInvoker().AsyncUnaryCall(TestGrpcService.Hang, null, new CallOptions(cancellationToken: Ct), "x");
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal("upstream_timeout", error.Trailers.GetValue("x-headless-error"));
        await cluster.Pods[0].Behaviour.HangCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task GrpcTimeout_ShorterThanTimeoutsRequest_SidecarAnswersDeadlineExceeded()
    {
        await using var cluster = await GrpcCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:Timeouts:Request"] = "30s");
        // A raw h2c call without a client-side deadline: only the sidecar can end it, from grpc-timeout.
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{sidecar.Listen}/test.Pods/Hang")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 1, (byte)'x']),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("grpc-timeout", "400m");
        request.Headers.TE.ParseAdd("trailers");
        var stopwatch = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, Ct);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"answered after {stopwatch.Elapsed}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("4", response.Headers.GetValues("grpc-status").Single());
        Assert.Equal("upstream_timeout", response.Headers.GetValues("X-Headless-Error").Single());
        Assert.Contains("grpc-timeout", response.Headers.GetValues("grpc-message").Single(), StringComparison.Ordinal);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
        await cluster.Pods[0].Behaviour.HangCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task Deadline_ShorterThanTimeoutsRequest_AppSeesDeadlineExceeded()
    {
        await using var cluster = await GrpcCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:Timeouts:Request"] = "30s");
        using var channel = Channel(sidecar);
        var stopwatch = Stopwatch.StartNew();
        var call = channel.CreateCallInvoker().AsyncUnaryCall(TestGrpcService.Hang, null, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(500), cancellationToken: Ct), "x");
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"ended after {stopwatch.Elapsed}");
        await cluster.Pods[0].Behaviour.HangCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task AppCancelsCall_PodObservesCancellation()
    {
        await using var cluster = await GrpcCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster);
        using var channel = Channel(sidecar);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var call = channel.CreateCallInvoker().AsyncUnaryCall(TestGrpcService.Hang, null, new CallOptions(cancellationToken: cancel.Token), "x");
        var pod = cluster.Pods[0].Behaviour;
        await pod.HangStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        // Timeouts:Request is 100 s: only the app's RST_STREAM, passed on at once, can end the pod's call this soon.
        await pod.HangCancelled.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }

    [Fact]
    public async Task NoPods_Unavailable()
    {
        await using var cluster = await GrpcCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:Host"] = "missing-headless");
        using var channel = Channel(sidecar);
        var error = await Assert.ThrowsAsync<RpcException>(() => EchoAsync(channel.CreateCallInvoker()));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("no_endpoints", error.Trailers.GetValue("x-headless-error"));
        Assert.Contains("NXDOMAIN", error.Status.Detail, StringComparison.Ordinal);
        // 200 on the wire, but the sidecar's error in the metrics.
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_requests_total", ("pod", "none"), ("status_class", "5xx")));
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_requests_total", ("status_class", "2xx")) is null or 0);
    }

    [Fact]
    public async Task BadOrdinalMetadata_InvalidArgument()
    {
        await using var cluster = await GrpcCluster.StartAsync(1, Ct);
        await using var sidecar = await StartSidecarAsync(cluster);
        using var channel = Channel(sidecar);
        var error = await Assert.ThrowsAsync<RpcException>(() => EchoAsync(channel.CreateCallInvoker(), new Metadata { { "x-headless-ordinal", "two" } }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("bad_ordinal", error.Trailers.GetValue("x-headless-error"));
        Assert.Equal(0, cluster.Pods[0].Behaviour.Calls);
    }

    [Fact]
    public async Task PinnedToMissingPod_Unavailable()
    {
        await using var cluster = await GrpcCluster.StartAsync(2, Ct);
        await using var sidecar = await StartSidecarAsync(cluster);
        using var channel = Channel(sidecar);
        var error = await Assert.ThrowsAsync<RpcException>(() => EchoAsync(channel.CreateCallInvoker(), new Metadata { { "x-headless-ordinal", "7" } }));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("pod_unavailable", error.Trailers.GetValue("x-headless-error"));
    }

    [Fact]
    public async Task OrdinalMetadata_PinsEveryCallToThatPod()
    {
        await using var cluster = await GrpcCluster.StartAsync(3, Ct);
        await using var sidecar = await StartSidecarAsync(cluster);
        using var channel = Channel(sidecar);
        var invoker = channel.CreateCallInvoker();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("web-2", await EchoAsync(invoker, new Metadata { { "x-headless-ordinal", "2" } }));
        }
        Assert.Equal(0, cluster.Pods[0].Behaviour.Calls + cluster.Pods[1].Behaviour.Calls);
    }

    [Fact]
    public async Task PodAnsweringUnavailable_WithOnGrpcStatus_RetriedOnAnotherPod()
    {
        await using var cluster = await GrpcCluster.StartAsync(3, Ct);
        cluster.Pods[0].Behaviour.FailWith = StatusCode.Unavailable;
        await using var sidecar = await StartSidecarAsync(cluster, s =>
        {
            s["Sidecar:Services:web:Retry:OnGrpcStatus"] = "unavailable";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "100";
        });
        using var channel = Channel(sidecar);
        var invoker = channel.CreateCallInvoker();
        for (var i = 0; i < 9; i++)
        {
            Assert.NotEqual("web-0", await EchoAsync(invoker));
        }
        Assert.True(cluster.Pods[0].Behaviour.Calls > 0, "web-0 was never tried");
        var failovers = TestSidecar.Series(await sidecar.MetricsAsync(Ct), "headless_sidecar_failovers_total",
            ("from_pod", "web-0"), ("reason", "grpc_unavailable"));
        Assert.Equal(cluster.Pods[0].Behaviour.Calls, failovers);
    }

    [Fact]
    public async Task PodAnsweringUnavailable_BodyOverMaxReplayBodyBytes_NotRetried()
    {
        await using var cluster = await GrpcCluster.StartAsync(3, Ct);
        cluster.Pods[0].Behaviour.FailWith = StatusCode.Unavailable;
        await using var sidecar = await StartSidecarAsync(cluster, s =>
        {
            s["Sidecar:Services:web:Retry:OnGrpcStatus:0"] = "UNAVAILABLE";
            s["Sidecar:Services:web:Retry:MaxReplayBodyBytes"] = "64";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "100";
        });
        using var channel = Channel(sidecar);
        var invoker = channel.CreateCallInvoker();
        var failures = 0;
        for (var i = 0; i < 9; i++)
        {
            try
            {
                await EchoAsync(invoker, request: new string('x', 200));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                failures++;
            }
        }
        Assert.True(failures > 0, "no call reached web-0");
        Assert.Equal(cluster.Pods[0].Behaviour.Calls, failures);
        var failovers = TestSidecar.Series(await sidecar.MetricsAsync(Ct), "headless_sidecar_failovers_total", ("reason", "grpc_unavailable"));
        Assert.True(failovers is null or 0, $"{failovers} failovers");
    }

    [Fact]
    public async Task PodAnsweringUnavailable_WithoutOnGrpcStatus_ReachesTheApp()
    {
        await using var cluster = await GrpcCluster.StartAsync(3, Ct);
        cluster.Pods[0].Behaviour.FailWith = StatusCode.Unavailable;
        await using var sidecar = await StartSidecarAsync(cluster, s => s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "100");
        using var channel = Channel(sidecar);
        var invoker = channel.CreateCallInvoker();
        var failures = new List<RpcException>();
        for (var i = 0; i < 9; i++)
        {
            try
            {
                await EchoAsync(invoker);
            }
            catch (RpcException ex)
            {
                failures.Add(ex);
            }
        }
        Assert.NotEmpty(failures);
        Assert.Equal(cluster.Pods[0].Behaviour.Calls, failures.Count);
        Assert.All(failures, f =>
        {
            Assert.Equal(StatusCode.Unavailable, f.StatusCode);
            Assert.Equal("web-0 fails on purpose", f.Status.Detail);
            Assert.Null(f.Trailers.GetValue("x-headless-error"));
        });
    }

    [Fact]
    public async Task GrpcHealthCheck_NotServingPod_EjectedThenReturnsWhenServing()
    {
        await using var cluster = await GrpcCluster.StartAsync(2, Ct);
        await using var sidecar = await StartSidecarAsync(cluster, s =>
        {
            s["Sidecar:Services:web:Health:Check"] = "Grpc";
            s["Sidecar:Services:web:Health:ProbeInterval"] = "200ms";
            s["Sidecar:Services:web:Health:ProbeTimeout"] = "200ms";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "2";
            s["Sidecar:Services:web:Health:EjectFor"] = "1s";
        });
        await sidecar.WaitForPodsAsync(["web-0", "web-1"], cancellationToken: Ct);
        cluster.Pods[1].SetServing(false);
        await sidecar.WaitUntilAsync(async ct => await StateAsync(sidecar, "web-1", ct) == "ejected", "web-1 ejected", Ct);
        using var channel = Channel(sidecar);
        var invoker = channel.CreateCallInvoker();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("web-0", await EchoAsync(invoker));
        }
        cluster.Pods[1].SetServing(true);
        await sidecar.WaitUntilAsync(async ct => await StateAsync(sidecar, "web-1", ct) == "healthy", "web-1 healthy again", Ct);
        Assert.Equal("healthy", await StateAsync(sidecar, "web-0", Ct));
    }

    [Fact]
    public async Task GrpcHealthCheck_GrpcService_AsksAboutThatService()
    {
        await using var cluster = await GrpcCluster.StartAsync(2, Ct);
        // Only web-0 knows service test.Pods; web-1's health service answers NOT_FOUND for it.
        cluster.Pods[0].Health.SetStatus("test.Pods", global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        await using var sidecar = await StartSidecarAsync(cluster, s =>
        {
            s["Sidecar:Services:web:Health:Check"] = "Grpc";
            s["Sidecar:Services:web:Health:GrpcService"] = "test.Pods";
            s["Sidecar:Services:web:Health:ProbeInterval"] = "200ms";
            s["Sidecar:Services:web:Health:ProbeTimeout"] = "200ms";
            s["Sidecar:Services:web:Health:ConsecutiveFailures"] = "2";
        });
        await sidecar.WaitUntilAsync(async ct => await StateAsync(sidecar, "web-1", ct) == "ejected", "web-1 ejected", Ct);
        Assert.Equal("healthy", await StateAsync(sidecar, "web-0", Ct));
    }

    private static async Task<string?> StateAsync(TestSidecar sidecar, string pod, CancellationToken cancellationToken)
    {
        var peers = await sidecar.PeersAsync(cancellationToken: cancellationToken);
        return peers.GetProperty("pods").EnumerateArray().Single(p => p.GetProperty("name").GetString() == pod).GetProperty("state").GetString();
    }
}
