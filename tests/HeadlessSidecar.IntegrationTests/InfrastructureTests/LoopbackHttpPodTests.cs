using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

public sealed class LoopbackHttpPodTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_Http1Pod_200WithPodHeaderAndJsonBody()
    {
        await using var pod = await LoopbackHttpPod.StartAsync("web-0", LoopbackAddresses.Next(), cancellationToken: Ct);
        using var client = NewClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(pod.BaseUri, "/orders/7?x=1"));
        request.Headers.Host = "nginx-headless.default.svc.cluster.local";
        request.Headers.Add("X-Trace", "abc");
        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web-0", Assert.Single(response.Headers.GetValues("X-Pod")));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("web-0", body.RootElement.GetProperty("pod").GetString());
        Assert.Equal("HTTP/1.1", body.RootElement.GetProperty("protocol").GetString());
        Assert.Equal("nginx-headless.default.svc.cluster.local", body.RootElement.GetProperty("host").GetString());
        Assert.Equal("/orders/7", body.RootElement.GetProperty("path").GetString());
        Assert.Equal("abc", pod.LastRequestHeaders!["x-trace"]);
        Assert.Equal("?x=1", pod.LastRequest!.QueryString);
        Assert.Equal(1, pod.RequestCount);
    }

    [Fact]
    public async Task ConnectionCount_TwoRequestsOnOneClientThenAnotherClient_CountsTwoConnections()
    {
        await using var pod = await LoopbackHttpPod.StartAsync("web-0", LoopbackAddresses.Next(), cancellationToken: Ct);

        using (var client = NewClient())
        {
            (await client.GetAsync(pod.BaseUri, Ct)).Dispose();
            (await client.GetAsync(pod.BaseUri, Ct)).Dispose();
        }

        using (var other = NewClient())
        {
            (await other.GetAsync(pod.BaseUri, Ct)).Dispose();
        }

        Assert.Equal(3, pod.RequestCount);
        Assert.Equal(2, pod.ConnectionCount);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(404)]
    public async Task Get_StatusPath_AnswersThatCode(int code)
    {
        await using var pod = await LoopbackHttpPod.StartAsync("web-1", LoopbackAddresses.Next(), cancellationToken: Ct);
        using var client = NewClient();

        using var response = await client.GetAsync(new Uri(pod.BaseUri, $"/status/{code}"), Ct);

        Assert.Equal((HttpStatusCode)code, response.StatusCode);
        Assert.Equal("web-1", Assert.Single(response.Headers.GetValues("X-Pod")));
    }

    [Fact]
    public async Task Get_DelayPath_AnswersAfterTheDelay()
    {
        await using var pod = await LoopbackHttpPod.StartAsync("web-0", LoopbackAddresses.Next(), cancellationToken: Ct);
        using var client = NewClient();

        var stopwatch = Stopwatch.StartNew();
        using var response = await client.GetAsync(new Uri(pod.BaseUri, "/delay/300"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(stopwatch.ElapsedMilliseconds >= 290, $"answered after {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task StopAsync_ThenStartAsync_RefusedWhileStoppedThenAnswersOnSameEndPoint()
    {
        await using var pod = await LoopbackHttpPod.StartAsync("web-0", LoopbackAddresses.Next(), cancellationToken: Ct);
        using var client = NewClient();
        (await client.GetAsync(pod.BaseUri, Ct)).Dispose();

        await pod.StopAsync();
        Assert.False(await Poll.AcceptsTcpAsync(pod.EndPoint, Ct));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(pod.BaseUri, Ct));
        Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);

        await pod.StartAsync(Ct);
        using var response = await client.GetAsync(pod.BaseUri, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, pod.RequestCount);
        Assert.Equal(2, pod.ConnectionCount);
    }

    [Fact]
    public async Task Get_H2cPodWithPriorKnowledge_AnswersOverHttp2()
    {
        await using var pod = await LoopbackHttpPod.StartAsync("web-0", LoopbackAddresses.Next(), protocols: HttpProtocols.Http2, cancellationToken: Ct);
        using var client = NewClient();

        using var response = await client.SendAsync(H2cGet(pod.BaseUri), Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("HTTP/2", body.GetProperty("protocol").GetString());
        Assert.Equal(1, pod.ConnectionCount);
    }

    [Fact]
    public async Task Get_Http1ToH2cOnlyPod_KestrelRejectsWith400BeforeThePod()
    {
        await using var pod = await LoopbackHttpPod.StartAsync("web-0", LoopbackAddresses.Next(), protocols: HttpProtocols.Http2, cancellationToken: Ct);
        using var client = NewClient();

        using var response = await client.GetAsync(pod.BaseUri, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Pod"));
        Assert.Equal(0, pod.RequestCount);
    }

    [Fact]
    public async Task StartAsync_PodSet_OrdinalNamesOnDistinctAddressesAndOnePort()
    {
        await using var pods = await LoopbackPodSet.StartAsync("web", 3, cancellationToken: Ct);
        using var client = NewClient();

        foreach (var pod in pods.Pods)
        {
            using var response = await client.GetAsync(pod.BaseUri, Ct);
            Assert.Equal(pod.Name, Assert.Single(response.Headers.GetValues("X-Pod")));
        }

        Assert.Equal(["web-0", "web-1", "web-2"], pods.Pods.Select(p => p.Name));
        Assert.Equal(3, pods.Pods.Select(p => p.Address).Distinct().Count());
        Assert.All(pods.Pods, p => Assert.Equal(pods.Port, p.Port));
        Assert.Equal(3, pods.TotalRequestCount);
    }

    internal static HttpClient NewClient() =>
        new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = TimeSpan.FromSeconds(15),
        };

    internal static HttpRequestMessage H2cGet(Uri uri) =>
        new(HttpMethod.Get, uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
}
