using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Admin;

/// <summary>
/// Contract section 6's access rule over real sockets: a client that is not on loopback gets 403 from /status and
/// /debug/*, and still reads /metrics, /healthz and /readyz. Such a client is this machine dialling one of its own
/// non-loopback addresses: the connection's source is then that address, as seen by the admin listener.
/// </summary>
public sealed class AdminAccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An address of an interface that is up and not loopback (IPv4 first), or null on a machine with none.</summary>
    private static IPAddress? NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(a => a.Address))
            .Where(a => !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal
                && a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
            .FirstOrDefault();

    private static IPAddress RequireNonLoopbackAddress()
    {
        var address = NonLoopbackAddress();
        if (address is null)
        {
            // Without a second address no client of this machine can be off loopback; AdminAccess's unit tests still
            // cover the decision and the loopback test below the real request path.
            Assert.Skip("this machine has no non-loopback address to dial the admin port from");
        }
        return address;
    }

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
    public async Task RestrictedPaths_NonLoopbackClientByDefault_403WhileMetricsAndProbesAnswer()
    {
        var address = RequireNonLoopbackAddress();
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await StartAsync(cluster, address, debugAccess: null);

        foreach (var path in new[] { "status", "debug/peers", "debug/anything", "STATUS" })
        {
            using var response = await sidecar.Admin.GetAsync(path, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("forbidden", json.RootElement.GetProperty("error").GetString());
            Assert.Contains("Sidecar:Admin:DebugAccess", json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        foreach (var path in new[] { "metrics", "healthz", "readyz" })
        {
            using var response = await sidecar.Admin.GetAsync(path, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task RestrictedPaths_NonLoopbackClientWithDebugAccessAny_Answer()
    {
        var address = RequireNonLoopbackAddress();
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        await using var sidecar = await StartAsync(cluster, address, debugAccess: "Any");

        using var status = await sidecar.Admin.GetAsync("status", Ct);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("text/html", status.Content.Headers.ContentType?.MediaType);
        var peers = await sidecar.PeersAsync(cancellationToken: Ct);
        Assert.Equal("web", peers.GetProperty("name").GetString());
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
