using System.Net;
using System.Text.Json.Nodes;
using HeadlessSidecar.IntegrationTests.Limits;
using HeadlessSidecar.IntegrationTests.Sidecar;
using static HeadlessSidecar.IntegrationTests.Faults.FaultSteps;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>The fault matrix's own-process row: SIGTERM to the real executable while the app's load runs through it.</summary>
[Collection(FaultMatrixGroup.Name)]
public sealed class SidecarDrainFaultTests
{
    [Fact]
    public async Task SigtermUnderLoad_InFlightRequestsFinish_Exit0WithinTheLongestRequest()
    {
        await using var sidecar = await ProcessSidecar.StartAsync(new JsonObject { ["DrainTimeout"] = "10s" }, pods: 3, cancellationToken: Ct);
        await Infrastructure.Poll.UntilAsync(async ct => (await sidecar.AdminClient.GetStringAsync("debug/peers", ct)).Contains("web-2", StringComparison.Ordinal),
            "3 pods", cancellationToken: Ct);

        // Requests that take 300 ms, so a good part of the load is in flight when the signal comes.
        await using var load = FaultLoad.Start(new Uri($"http://{sidecar.AppEndPoint}/"), 8, TimeSpan.FromSeconds(60), "/delay/300", cancellationToken: Ct);
        await load.WaitForRequestsAsync(40, Ct);
        var metrics = await sidecar.MetricsAsync(Ct);

        // The app stops calling at the signal (a native sidecar is stopped after its app); what was sent must finish.
        var stopping = load.StopAsync();
        var inFlight = load.InFlight;
        var signalAt = load.Now;
        await SidecarProcess.SignalAsync(sidecar.Process.Id, "TERM");
        var exitCode = await sidecar.Process.WaitForExitAsync(TimeSpan.FromSeconds(20), Ct);
        var exitedAt = load.Now;
        await stopping;

        var lastEnd = load.Samples.Max(s => s.End);
        FaultMatrixReport.Write(Row("SIGTERM of the sidecar under load (drain)", load, metrics,
            $"in flight at SIGTERM {inFlight}; exit code {exitCode} after {Ms(exitedAt - signalAt)}; last answer {Ms(lastEnd - signalAt)} after SIGTERM",
            "0 failed (every request in flight at SIGTERM answered); exit 0 within 2 s (the longest request is 300 ms; DrainTimeout 10 s)"));
        Assert.True(load.Failed == 0, load.Describe());
        Assert.All(load.Samples, s => Assert.Equal(HttpStatusCode.OK, s.Status));
        Assert.Equal(0, exitCode);
        Assert.True(exitedAt - signalAt <= 2, $"exit {exitedAt - signalAt:0.00} s after SIGTERM");
    }
}
