using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>Contract section 3 against real DNS (Knot) and real loopback pods.</summary>
public sealed class RoutingTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;
    private TestSidecar _sidecar = null!;
    private int _ordinalBase;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(3, cancellationToken: Ct);
        _ordinalBase = LoopbackAddresses.FreePort(IPAddress.Loopback);
        _sidecar = await TestSidecar.StartAsync(_cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Services:web:OrdinalPortBase"] = _ordinalBase.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // Balanced_RoundRobin_SpreadsEvenlyOverPods checks RoundRobin's exact spread (PeakEwma is the default).
            s["Sidecar:Services:web:LoadBalancing"] = "RoundRobin";
        }, cancellationToken: Ct);
        await _sidecar.WaitForPodsAsync(["web-0", "web-1", "web-2"], cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private static async Task<(HttpStatusCode Status, string? Pod, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        var response = await client.SendAsync(request, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        response.Headers.TryGetValues("X-Headless-Pod", out var pods);
        return (response.StatusCode, pods?.Single(), body, response);
    }

    [Fact]
    public async Task Balanced_RoundRobin_SpreadsEvenlyOverPods()
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 30; i++)
        {
            var (status, pod, body, _) = await SendAsync(_sidecar.Client, new HttpRequestMessage(HttpMethod.Get, "/spread"));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(pod, body.GetProperty("pod").GetString());
            counts[pod!] = counts.GetValueOrDefault(pod!) + 1;
        }
        Assert.Equal(["web-0", "web-1", "web-2"], counts.Keys.Order());
        Assert.All(counts.Values, c => Assert.Equal(10, c));
    }

    [Theory]
    [InlineData("0", "web-0")]
    [InlineData("2", "web-2")]
    public async Task OrdinalHeader_PinsAndIsStripped(string ordinal, string expected)
    {
        for (var i = 0; i < 5; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/pinned");
            request.Headers.Add("X-Headless-Ordinal", ordinal);
            var (status, pod, _, _) = await SendAsync(_sidecar.Client, request);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(expected, pod);
        }
        Assert.False(_cluster.Pods[expected].LastRequestHeaders!.ContainsKey("X-Headless-Ordinal"));
    }

    [Theory]
    [InlineData("web-1.nginx-headless")]
    [InlineData("web-1.nginx-headless.default")]
    [InlineData("web-1.nginx-headless.default.svc.cluster.local:80")]
    [InlineData("web-1")]
    public async Task HostNamingPod_PinsAndHostGoesUpstreamAsSent(string host)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/by-host");
        request.Headers.Host = host;
        var (status, pod, body, _) = await SendAsync(_sidecar.Client, request);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("web-1", pod);
        Assert.Equal(host, body.GetProperty("host").GetString());
    }

    [Fact]
    public async Task AbsoluteFormThroughHttpProxy_PinsByUrlHost()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = true, Proxy = new WebProxy($"http://{_sidecar.Listen}") });
        for (var i = 0; i < 3; i++)
        {
            var (status, pod, body, _) = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "http://web-2.nginx-headless/via-proxy?x=1"));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("web-2", pod);
            Assert.Equal("/via-proxy", body.GetProperty("path").GetString());
            Assert.Equal("?x=1", _cluster.Pods["web-2"].LastRequest!.QueryString);
            Assert.Equal("web-2.nginx-headless", body.GetProperty("host").GetString());
        }
    }

    [Fact]
    public async Task LoopbackHost_IsReplacedByPodDnsName()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/host");
        request.Headers.Add("X-Headless-Ordinal", "0");
        var (_, _, body, _) = await SendAsync(_sidecar.Client, request);
        Assert.Equal($"web-0.{TestCluster.Fqdn}:{_cluster.Pods.Port}", body.GetProperty("host").GetString());
    }

    [Fact]
    public async Task OrdinalPort_PinsEveryRequest()
    {
        using var client = new HttpClient();
        await _sidecar.WaitUntilAsync(ct => Poll.AcceptsTcpAsync(new IPEndPoint(IPAddress.Loopback, _ordinalBase + 2), ct), "ordinal port 2", Ct);
        for (var i = 0; i < 4; i++)
        {
            var (status, pod, _, _) = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_ordinalBase + 2}/ordinal-port"));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("web-2", pod);
        }
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    public async Task BadOrdinal_Is400WithJsonError(string ordinal)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("X-Headless-Ordinal", ordinal);
        var (status, pod, body, response) = await SendAsync(_sidecar.Client, request);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Null(pod);
        Assert.Equal("bad_ordinal", body.GetProperty("error").GetString());
        Assert.Contains(ordinal, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("bad_ordinal", response.Headers.GetValues("X-Headless-Error").Single());
        Assert.Equal(0, _cluster.Pods.TotalRequestCount);
    }

    [Fact]
    public async Task AbsentPodByHeader_Is503PodUnavailable()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("X-Headless-Ordinal", "7");
        var (status, _, body, response) = await SendAsync(_sidecar.Client, request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("pod_unavailable", body.GetProperty("error").GetString());
        Assert.Equal("pod_unavailable", response.Headers.GetValues("X-Headless-Error").Single());
    }

    [Fact]
    public async Task AbsentPodByHost_Is503PodUnavailable()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "web-7.nginx-headless";
        var (status, _, body, _) = await SendAsync(_sidecar.Client, request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("pod_unavailable", body.GetProperty("error").GetString());
        Assert.Contains("web-7", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorsAndSuccesses_AreCountedPerPodAndStatusClass()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("X-Headless-Ordinal", "1");
        await SendAsync(_sidecar.Client, request);
        var bad = new HttpRequestMessage(HttpMethod.Get, "/");
        bad.Headers.Add("X-Headless-Ordinal", "x");
        await SendAsync(_sidecar.Client, bad);
        var metrics = await _sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_requests_total", ("service", "web"), ("pod", "web-1"), ("status_class", "2xx")) >= 1);
        Assert.Equal(1, TestSidecar.Series(metrics, "headless_sidecar_requests_total", ("service", "web"), ("pod", "none"), ("status_class", "4xx")));
        Assert.NotNull(TestSidecar.Series(metrics, "headless_sidecar_request_duration_seconds_bucket", ("service", "web"), ("pod", "web-1"), ("le", "0.0005")));
    }

    [Fact]
    public async Task UpstreamStatus_PassesThroughWithPodHeader()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/status/418");
        request.Headers.Add("X-Headless-Ordinal", "0");
        var response = await _sidecar.Client.SendAsync(request, Ct);
        Assert.Equal((HttpStatusCode)418, response.StatusCode);
        Assert.Equal("web-0", response.Headers.GetValues("X-Headless-Pod").Single());
        Assert.False(response.Headers.Contains("X-Headless-Error"));
    }

    [Fact]
    public async Task PostBody_IsForwarded()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = new StringContent("hello pods") };
        request.Headers.Add("X-Headless-Ordinal", "2");
        var (status, pod, _, _) = await SendAsync(_sidecar.Client, request);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("web-2", pod);
        Assert.Equal("POST", _cluster.Pods["web-2"].LastRequest!.Method);
    }

    [Fact]
    public async Task KeepAlive_ManyRequestsReuseFewUpstreamConnections()
    {
        foreach (var pod in _cluster.Pods.Pods)
        {
            pod.ResetCounters();
        }
        const int requests = 150;
        var tasks = Enumerable.Range(0, 3).Select(async _ =>
        {
            for (var i = 0; i < requests / 3; i++)
            {
                using var response = await _sidecar.Client.GetAsync("/keepalive", Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        });
        await Task.WhenAll(tasks);
        var connections = _cluster.Pods.Pods.Sum(p => p.ConnectionCount);
        Assert.Equal(requests, _cluster.Pods.TotalRequestCount);
        // 3 concurrent app connections: at most 3 upstream connections per pod, whatever the request count.
        Assert.InRange(connections, 3, 9);
        var metrics = await _sidecar.MetricsAsync(Ct);
        Assert.True(TestSidecar.Series(metrics, "headless_sidecar_upstream_connections", ("service", "web"), ("pod", "web-0")) >= 1);
    }
}
