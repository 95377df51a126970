using System.Net;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

public sealed class NghttpdPodTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_H2cPriorKnowledge_ServesFileOverHttp2()
    {
        await using var pod = await NghttpdPod.StartAsync("web-0", LoopbackAddresses.Next(), cancellationToken: Ct);
        using var client = LoopbackHttpPodTests.NewClient();

        using var response = await client.SendAsync(LoopbackHttpPodTests.H2cGet(new Uri(pod.BaseUri, NghttpdPod.FileName)), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(pod.FileContent, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Get_Http1_IsNotServed()
    {
        await using var pod = await NghttpdPod.StartAsync("web-0", LoopbackAddresses.Next(), cancellationToken: Ct);
        using var client = LoopbackHttpPodTests.NewClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(pod.BaseUri, Ct));
    }

    [Fact]
    public async Task StopAsync_ThenStartAsync_AcceptsAgainOnSameEndPoint()
    {
        await using var pod = await NghttpdPod.StartAsync("web-0", LoopbackAddresses.Next(), cancellationToken: Ct);

        await pod.StopAsync();
        Assert.False(await Poll.AcceptsTcpAsync(pod.EndPoint, Ct));
        await pod.StartAsync(Ct);

        Assert.True(await Poll.AcceptsTcpAsync(pod.EndPoint, Ct));
    }
}
