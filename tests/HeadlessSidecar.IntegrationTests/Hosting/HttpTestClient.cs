using System.Net;

namespace HeadlessSidecar.IntegrationTests.Hosting;

/// <summary>HttpClient helpers: HTTP/1.1, or HTTP/2 with prior knowledge on http:// (RequestVersionExact).</summary>
internal static class HttpTestClient
{
    public static HttpClient Create() => new(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<string> GetAsync(HttpClient client, IPEndPoint endPoint, Version version, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{endPoint}/")
        {
            Version = version,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(version, response.Version);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    public static Task<string> GetHttp1Async(HttpClient client, IPEndPoint endPoint, CancellationToken cancellationToken) =>
        GetAsync(client, endPoint, HttpVersion.Version11, cancellationToken);

    public static Task<string> GetHttp2Async(HttpClient client, IPEndPoint endPoint, CancellationToken cancellationToken) =>
        GetAsync(client, endPoint, HttpVersion.Version20, cancellationToken);
}
