using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HeadlessSidecar.Demo;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeadlessSidecar.Tests.Demo;

public sealed class DemoPodTests
{
    [Fact]
    public async Task Request_AnyPath_AnswersWithPodHeaderAndOneJsonLine()
    {
        using var timeout = Timeout();
        await using var pod = await DemoPod.StartAsync("web-1", new IPEndPoint(IPAddress.Loopback, 0), NullLogger.Instance, timeout.Token);
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{pod.EndPoint}/hello/there?x=1&y=%22");
        request.Headers.Host = "nginx-headless.default.svc.cluster.local";

        using var response = await client.SendAsync(request, timeout.Token);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web-1", Assert.Single(response.Headers.GetValues("X-Pod")));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("}\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', body.TrimEnd('\n'));
        Assert.Equal(
            """{"pod":"web-1","method":"GET","path":"/hello/there?x=1&y=%22","host":"nginx-headless.default.svc.cluster.local","protocol":"HTTP/1.1"}""" + "\n",
            body);
    }

    [Fact]
    public async Task Request_Post_ReportsMethod()
    {
        using var timeout = Timeout();
        await using var pod = await DemoPod.StartAsync("web-0", new IPEndPoint(IPAddress.Loopback, 0), NullLogger.Instance, timeout.Token);
        using var client = Client();
        using var content = new StringContent("ignored");

        using var response = await client.PostAsync(new Uri($"http://{pod.EndPoint}/"), content, timeout.Token);

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
        Assert.Equal("POST", json.RootElement.GetProperty("method").GetString());
        Assert.Equal("/", json.RootElement.GetProperty("path").GetString());
        Assert.Equal(pod.EndPoint.ToString(), json.RootElement.GetProperty("host").GetString());
    }

    [Fact]
    public async Task StartAsync_PodSet_ThreePodsOnOnePortEachAnsweringItsName()
    {
        using var timeout = Timeout();
        await using var set = await DemoPodSet.StartAsync(NullLogger.Instance, timeout.Token);
        using var client = Client();

        Assert.Equal(["web-0", "web-1", "web-2"], set.Pods.Select(p => p.Name));
        Assert.Equal(["127.0.0.21", "127.0.0.22", "127.0.0.23"], set.Pods.Select(p => p.EndPoint.Address.ToString()));
        Assert.All(set.Pods, p => Assert.Equal(set.Port, p.EndPoint.Port));
        foreach (var pod in set.Pods)
        {
            using var response = await client.GetAsync(new Uri($"http://{pod.EndPoint}/"), timeout.Token);
            Assert.Equal(pod.Name, Assert.Single(response.Headers.GetValues(DemoPod.PodHeader)));
        }

        var zone = set.CreateZone();
        Assert.Equal(set.Port, zone.Port);
        Assert.Equal(set.ZonePods, zone.Pods);
    }

    [Fact]
    public async Task DisposeAsync_Pod_StopsListening()
    {
        using var timeout = Timeout();
        var pod = await DemoPod.StartAsync("web-0", new IPEndPoint(IPAddress.Loopback, 0), NullLogger.Instance, timeout.Token);
        using var client = Client();

        await pod.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri($"http://{pod.EndPoint}/"), timeout.Token));
    }

    private static HttpClient Client()
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
        return client;
    }

    private static CancellationTokenSource Timeout()
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        return timeout;
    }
}
