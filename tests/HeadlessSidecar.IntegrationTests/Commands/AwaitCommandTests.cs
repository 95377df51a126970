using System.Diagnostics;
using System.Net;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.Commands;

/// <summary><c>headless-sidecar await</c> (classic mode's postStart) as the executable, against a real sidecar.</summary>
public sealed class AwaitCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Await_SidecarStartsAfterIt_Exits0OnceReady()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        var admin = SidecarProcess.UniqueAdminEndPoint();
        await using var process = SidecarProcess.Start("await", "--url", $"http://{admin}/readyz", "--timeout", "60s");

        // Nothing listens there yet: await keeps asking.
        await Poll.UntilAsync(async ct => !await Poll.AcceptsTcpAsync(admin, ct), "the admin address still closed", cancellationToken: Ct);
        Assert.False(process.HasExited, process.Describe());

        await using var sidecar = await TestSidecar.StartAsync(cluster.Dns.EndPoint, settings => settings["Sidecar:Admin:Listen"] = admin.ToString(), waitReady: false, cancellationToken: Ct);

        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct));
        using var client = new HttpClient();
        using var ready = await client.GetAsync(new Uri($"http://{admin}/readyz"), Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Await_NothingListening_Exits1AtItsTimeout()
    {
        var dead = SidecarProcess.UniqueAdminEndPoint();
        var started = Stopwatch.StartNew();

        var (exit, output) = await SidecarProcess.RunAsync("await", "--url", $"http://{dead}/readyz", "--timeout", "2s");

        Assert.Equal(1, exit);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
        Assert.Contains($"http://{dead}/readyz did not answer 200 within 00:00:02 (last: connection refused or unreachable)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Await_BadTimeout_Exits2WithOneLine()
    {
        var (exit, output) = await SidecarProcess.RunAsync("await", "--timeout", "soon");

        Assert.Equal(2, exit);
        Assert.Equal("headless-sidecar: await: --timeout: 'soon' is not a positive duration (e.g. 30s, 2m, 00:02:00)", output.Trim());
    }
}
