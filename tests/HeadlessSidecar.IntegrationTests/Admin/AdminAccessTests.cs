using System.Net;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Admin;

/// <summary>
/// Contract section 6's access rule over real sockets, for a loopback client (where kubectl port-forward arrives).
/// Off-loopback clients are covered through the admin pipeline in the unit tests (AdminEndpointsAccessTests):
/// tests never dial an address outside 127.0.0.0/8.
/// </summary>
public sealed class AdminAccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<TestSidecar> StartAsync(TestCluster cluster, IPAddress admin, string? debugAccess)
    {
        var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, s =>
        {
            s["Sidecar:Admin:Listen"] = new IPEndPoint(admin, 0).ToString();
            if (debugAccess is not null)
            {
                s["Sidecar:Admin:DebugAccess"] = debugAccess;
            }
        }, cancellationToken: Ct);
        Assert.Equal(admin, sidecar.AdminEndPoint.Address);
        return sidecar;
    }

    [Fact]
    public async Task RestrictedPaths_LoopbackClientWithDebugAccessLoopback_Answer()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await StartAsync(cluster, IPAddress.Loopback, debugAccess: "Loopback");

        using var status = await sidecar.Admin.GetAsync("status", Ct);
        var html = await status.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("text/html", status.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<!doctype html>", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", status.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("no-store", status.Headers.CacheControl?.ToString());

        using var peers = await sidecar.Admin.GetAsync("debug/peers", Ct);
        Assert.Equal(HttpStatusCode.OK, peers.StatusCode);
    }
}
