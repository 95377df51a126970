using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>Contract section 1 through the real executable: commands, exit codes, config errors, SIGTERM drain.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("headless-sidecar-test-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Delete(recursive: true);

    private string WriteFile(string json)
    {
        var path = Path.Combine(_directory.FullName, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Validate_ContractExampleError_Exits2WithOneLinePerProblem()
    {
        var path = WriteFile("""
            { "Sidecar": { "Services": { "web": {
              "Host": "nginx-headless", "PortName": "web", "Listen": "127.0.0.1:99999",
              "Timeouts": { "Connect": "soon" } } } } }
            """);
        var (exit, output) = await SidecarProcess.RunAsync("validate", "--config", path);
        Assert.Equal(2, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("Sidecar:Services:web:Listen: '127.0.0.1:99999' is not a valid endpoint", lines);
        Assert.Contains(lines, l => l.StartsWith("Sidecar:Services:web:Timeouts:Connect: 'soon'", StringComparison.Ordinal));
        Assert.Equal(2, lines.Length);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InvalidConfig_Exits2BeforeListening()
    {
        var path = WriteFile("""{ "Sidecar": { "Services": { "web": { "Host": "nginx-headless", "Port": 80, "Listen": "127.0.0.1:18001", "LoadBalancing": "Fastest" } } } }""");
        var (exit, output) = await SidecarProcess.RunAsync("run", "--config", path);
        Assert.Equal(2, exit);
        Assert.Contains("Sidecar:Services:web:LoadBalancing: 'Fastest' is not one of", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ValidConfigAndEnvironmentOverride_Exits0()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "demo.json");
        var (exit, output) = await SidecarProcess.RunAsync("validate", "--config", path);
        Assert.True(exit == 0, output);
        Assert.Contains("configuration is valid", output, StringComparison.Ordinal);

        var (badExit, badOutput) = await SidecarProcess.RunAsync("validate", "--config", path, "--Sidecar:Services:web:Pool:IdleTimeout=never");
        Assert.Equal(2, badExit);
        Assert.Contains("Sidecar:Services:web:Pool:IdleTimeout: 'never'", badOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingConfigFile_Exits2()
    {
        var (exit, output) = await SidecarProcess.RunAsync("validate", "--config", Path.Combine(_directory.FullName, "missing.json"));
        Assert.Equal(2, exit);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MalformedJson_Exits2()
    {
        var (exit, output) = await SidecarProcess.RunAsync("validate", "--config", WriteFile("{ \"Sidecar\": "));
        Assert.Equal(2, exit);
        Assert.Contains("not valid JSON", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("run")]
    public async Task MalformedJson_NamesFileLineAndByte_Exits2(string command)
    {
        var path = WriteFile("{\n  \"Sidecar\": {\n    \"AccessLog\": true\n    \"DrainTimeout\": \"5s\"\n  }\n}\n");
        var (exit, output) = await SidecarProcess.RunAsync(command, "--config", path);
        Assert.Equal(2, exit);
        Assert.Equal($"--config: '{path}' is not valid JSON: line 4, byte 5: near '\"DrainTimeout\": \"5s\"'", output.Trim());
        Assert.DoesNotContain("Error_JSONParseError", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ProbeIntervalShorterThanDefaultProbeTimeout_Exits0()
    {
        var path = WriteFile("""
            { "Sidecar": { "Services": { "web": {
              "Host": "nginx-headless", "Port": 80, "Listen": "127.0.0.1:18001",
              "Health": { "Check": "Connect", "ProbeInterval": "500ms" } } } } }
            """);
        var (exit, output) = await SidecarProcess.RunAsync("validate", "--config", path);
        Assert.True(exit == 0, output);

        var (badExit, badOutput) = await SidecarProcess.RunAsync("validate", "--config", path, "--Sidecar:Services:web:Health:ProbeTimeout=1s");
        Assert.Equal(2, badExit);
        Assert.Equal("Sidecar:Services:web:Health:ProbeTimeout: '00:00:01' is longer than ProbeInterval ('00:00:00.5000000')", badOutput.Trim());
    }

    [Fact]
    public async Task Run_BareLineFeedRequest_RefusedByTheExecutable()
    {
        // Program sets Kestrel's DisableHttp1LineFeedTerminators switch: the shipped binary refuses a bare LF.
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        var listenAddress = LoopbackAddresses.Next();
        var listen = new IPEndPoint(listenAddress, LoopbackAddresses.FreePort(listenAddress));
        var adminEndPoint = SidecarProcess.UniqueAdminEndPoint();
        var config = SidecarProcess.WriteConfig(_directory.FullName, cluster.Dns.EndPoint, listen, adminEndPoint);
        await using var process = SidecarProcess.Start("run", "--config", config);
        using var admin = new HttpClient { BaseAddress = new Uri($"http://{adminEndPoint}/") };
        await Poll.UntilAsync(async ct => (await admin.GetAsync("readyz", ct)).StatusCode == HttpStatusCode.OK, "ready", describe: process.Describe, cancellationToken: Ct);

        var crlf = await RawHttpExchange.SendAsync(listen, "GET /crlf HTTP/1.1\r\nHost: web\r\n\r\n", Ct);
        var bareLf = await RawHttpExchange.SendAsync(listen, "GET /lf HTTP/1.1\nHost: web\n\n", Ct);

        Assert.Equal(200, crlf.Status);
        Assert.Equal(400, bareLf.Status);
        Assert.Equal("/crlf", cluster.Pods["web-0"].LastRequest?.Path);
        Assert.Equal(1, cluster.Pods["web-0"].RequestCount);
    }

    [Theory]
    [InlineData("--version", 0, "headless-sidecar ")]
    [InlineData("--help", 0, "Usage:")]
    [InlineData("serve", 2, "unknown command 'serve'")]
    public async Task CommandLine_HelpVersionAndUnknown(string arg, int expectedExit, string expectedText)
    {
        var (exit, output) = await SidecarProcess.RunAsync(arg);
        Assert.Equal(expectedExit, exit);
        Assert.Contains(expectedText, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ListenAddressInUse_Exits2NamingTheKey()
    {
        using var blocker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        blocker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        blocker.Listen();
        var busy = (IPEndPoint)blocker.LocalEndPoint!;
        var config = SidecarProcess.WriteConfig(_directory.FullName, new IPEndPoint(IPAddress.Loopback, 9), busy, SidecarProcess.UniqueAdminEndPoint());
        var (exit, output) = await SidecarProcess.RunAsync("run", "--config", config);
        Assert.Equal(2, exit);
        Assert.Contains($"Sidecar:Services:web:Listen: '{busy}' cannot be bound", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_ReadyzTurns503_InFlightRequestFinishes_NewConnectionsRefused_Exit0()
    {
        await using var cluster = await TestCluster.StartAsync(1, cancellationToken: Ct);
        var listenAddress = LoopbackAddresses.Next();
        var listen = new IPEndPoint(listenAddress, LoopbackAddresses.FreePort(listenAddress));
        var adminEndPoint = SidecarProcess.UniqueAdminEndPoint();
        var config = SidecarProcess.WriteConfig(_directory.FullName, cluster.Dns.EndPoint, listen, adminEndPoint, accessLog: true);
        await using var process = SidecarProcess.Start("run", "--config", config);
        using var admin = new HttpClient { BaseAddress = new Uri($"http://{adminEndPoint}/") };
        using var app = new HttpClient { BaseAddress = new Uri($"http://{listen}/"), Timeout = TimeSpan.FromSeconds(30) };
        await Poll.UntilAsync(async ct => (await admin.GetAsync("readyz", ct)).StatusCode == HttpStatusCode.OK, "ready", describe: process.Describe, cancellationToken: Ct);

        var slow = app.GetAsync("/delay/1500", Ct);
        await Poll.UntilAsync(_ => Task.FromResult(cluster.Pods["web-0"].LastRequest?.Path == "/delay/1500"), "slow request reached the pod", describe: process.Describe, cancellationToken: Ct);
        await SidecarProcess.SignalAsync(process.Id, "TERM");

        // The admin listener keeps answering while the proxy drains.
        await Poll.UntilAsync(async ct => (await admin.GetAsync("readyz", ct)).StatusCode == HttpStatusCode.ServiceUnavailable, "readyz 503", describe: process.Describe, cancellationToken: Ct);
        await Poll.UntilAsync(async ct => !await Poll.AcceptsTcpAsync(listen, ct), "proxy listener closed", cancellationToken: Ct);

        using var response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(20), Ct));

        // AccessLog: one JSON line per request on stdout, nothing else there.
        var lines = process.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var entry = JsonDocument.Parse(Assert.Single(lines, l => l.Contains("/delay/1500", StringComparison.Ordinal))).RootElement;
        Assert.Equal("web", entry.GetProperty("service").GetString());
        Assert.Equal("web-0", entry.GetProperty("pod").GetString());
        Assert.Equal(200, entry.GetProperty("status").GetInt32());
        Assert.Equal(1, entry.GetProperty("attempts").GetInt32());
        Assert.True(entry.GetProperty("durationMs").GetDouble() >= 1500);
        Assert.All(lines, l => JsonDocument.Parse(l));
    }
}
