using System.Net;
using System.Text.Json;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>The real <c>headless-sidecar</c> executable, as a user runs it.</summary>
internal static class SidecarProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "headless-sidecar.dll");

    public static Task<(int ExitCode, string Output)> RunAsync(params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [Dll, .. args], timeout: TimeSpan.FromSeconds(60), cancellationToken: TestContext.Current.CancellationToken);

    public static ProcessRunner Start(params string[] args) => ProcessRunner.Start("dotnet", [Dll, .. args]);

    public static ProcessRunner Start(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        ProcessRunner.Start("dotnet", [Dll, .. args], environment: environment);

    /// <summary>An admin address of the test's own: a port picked on 127.0.0.1 could be taken meanwhile by another
    /// test's listener, and the test would then probe the wrong sidecar.</summary>
    public static IPEndPoint UniqueAdminEndPoint()
    {
        var address = LoopbackAddresses.Next();
        return new IPEndPoint(address, LoopbackAddresses.FreePort(address));
    }

    /// <summary>Writes a config file for one SRV service against <paramref name="dns"/>; returns its path.</summary>
    public static string WriteConfig(string directory, IPEndPoint dns, IPEndPoint listen, IPEndPoint admin, bool accessLog = false)
    {
        var config = new
        {
            Sidecar = new
            {
                Admin = new { Listen = admin.ToString() },
                DrainTimeout = "10s",
                AccessLog = accessLog,
                Dns = new
                {
                    Servers = new[] { dns.ToString() },
                    Search = new[] { "default.svc.cluster.local", "svc.cluster.local", "cluster.local" },
                    Ndots = 5,
                    MinRefresh = "200ms",
                    MaxRefresh = "1s",
                },
                Services = new Dictionary<string, object>
                {
                    ["web"] = new { Host = TestCluster.ServiceName, PortName = "web", Listen = listen.ToString() },
                },
            },
        };
        var path = Path.Combine(directory, "sidecar.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }

    public static async Task SignalAsync(int pid, string signal)
    {
        var (exit, output) = await ProcessRunner.RunAsync("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            timeout: TimeSpan.FromSeconds(10), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(exit == 0, output);
    }
}
