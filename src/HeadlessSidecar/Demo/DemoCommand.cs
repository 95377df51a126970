using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Commands;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Demo;

/// <summary>
/// <c>headless-sidecar demo</c>: three pods (web-0..2 on 127.0.0.21–23), a DNS server answering for them as
/// CoreDNS would, and the sidecar resolving them over real DNS with the configuration of deploy/demo.json.
/// </summary>
internal static partial class DemoCommand
{
    /// <summary>deploy/demo.json's DNS address; another is chosen when it is taken.</summary>
    private static readonly IPEndPoint PreferredDns = new(IPAddress.Parse("127.0.0.53"), 15353);

    /// <summary>The demo's configuration, as in deploy/demo.json (a test keeps them equal).</summary>
    internal static Dictionary<string, string?> Defaults(IPEndPoint dns) => new()
    {
        ["Sidecar:Admin:Listen"] = "127.0.0.1:18090",
        ["Sidecar:AccessLog"] = "false",
        ["Sidecar:Dns:Servers:0"] = dns.ToString(),
        ["Sidecar:Dns:Search:0"] = "default.svc.cluster.local",
        ["Sidecar:Dns:Search:1"] = "svc.cluster.local",
        ["Sidecar:Dns:Search:2"] = "cluster.local",
        ["Sidecar:Dns:Ndots"] = "5",
        ["Sidecar:Services:web:Host"] = "nginx-headless",
        ["Sidecar:Services:web:PortName"] = "web",
        ["Sidecar:Services:web:Listen"] = "127.0.0.1:18001",
        ["Sidecar:Services:web:OrdinalPortBase"] = "18100",
        ["Sidecar:Services:web:LoadBalancing"] = "RoundRobin",
        ["Sidecar:Services:web:Pool:WarmConnections"] = "1",
        // Active checks, quick enough that a pod stopped with 'stop web-1' shows as ejected within ~2 s.
        ["Sidecar:Services:web:Health:Check"] = "Http",
        ["Sidecar:Services:web:Health:ProbePath"] = "/healthz",
        ["Sidecar:Services:web:Health:ProbeInterval"] = "1s",
        ["Sidecar:Services:web:Health:ProbeTimeout"] = "500ms",
        ["Sidecar:Services:web:Health:ConsecutiveFailures"] = "2",
        ["Sidecar:Services:web:Health:EjectFor"] = "5s",
    };

    public static async Task<int> RunAsync(string[] overrides)
    {
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Information)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter("Microsoft", LogLevel.Warning));
        var logger = loggerFactory.CreateLogger("HeadlessSidecar.Demo");

        await using var pods = await DemoPodSet.StartAsync(logger, CancellationToken.None);
        DemoDnsServer dns;
        try
        {
            dns = await DemoDnsServer.StartAsync(PreferredDns, pods.CreateZone(), logger, CancellationToken.None);
        }
        catch (SocketException)
        {
            dns = await DemoDnsServer.StartAsync(new IPEndPoint(PreferredDns.Address, 0), pods.CreateZone(), logger, CancellationToken.None);
        }
        await using (dns)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(Defaults(dns.EndPoint))
                .AddCommandLine(overrides)
                .Build();
            var options = SidecarConfiguration.ReadOrReport(configuration, Console.Error);
            if (options is null)
            {
                return ExitCodes.BadConfiguration;
            }
            Log.Started(logger, pods.Replicas, pods.Port, dns.EndPoint.ToString());
            using var stopping = new CancellationTokenSource();
            try
            {
                return await SidecarCommands.RunSidecarAsync(options, configuration, host =>
                {
                    PrintTryThis(options.Services[0].Listen, options.Services[0].OrdinalPortBase, host.AdminEndPoint);
                    // Console.In reads synchronously even through ReadLineAsync: on a pool thread, off the start-up path.
                    // A read of the terminal cannot be cancelled, so the loop ends with the process; a stop or start
                    // under way holds the pod set's gate, and the pods' disposal waits for it.
                    _ = Task.Run(() => DemoConsole.RunAsync(Console.In, Console.Out, pods, stopping.Token));
                });
            }
            finally
            {
                await stopping.CancelAsync();
            }
        }
    }

    private static void PrintTryThis(IPEndPoint listen, int? ordinalBase, IPEndPoint admin)
    {
        var proxy = $"http://{listen}";
        var adminUrl = $"http://{(admin.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : admin.Address)}:{admin.Port}";
        (string Command, string Comment)[] lines =
        [
            ($"curl -s {proxy}/", "balanced round-robin: run it a few times"),
            ($"curl -s -H 'X-Headless-Ordinal: 2' {proxy}/", "pinned to web-2 by header"),
            ($"curl -s -x {proxy} http://web-1.nginx-headless/", "pinned to web-1 by Host (an app with HTTP_PROXY)"),
            ($"curl -s http://127.0.0.1:{ordinalBase ?? 0}/", "per-ordinal port: web-0"),
            ($"curl -s --http2-prior-knowledge {proxy}/", "h2c from the app, same port"),
            ($"curl -si -H 'X-Headless-Ordinal: 7' {proxy}/", "503 pod_unavailable (no web-7)"),
            ($"curl -s {adminUrl}/debug/peers", "discovered pods"),
            ($"curl -s {adminUrl}/metrics | grep ^headless_sidecar", "Prometheus metrics"),
        ];
        var width = lines.Max(l => l.Command.Length) + 2;
        var text = new System.Text.StringBuilder()
            .AppendLine()
            .AppendLine("HeadlessSidecar demo is running: StatefulSet web (web-0..2) behind headless Service nginx-headless.default.svc.cluster.local.")
            .Append("Status page, live in a browser: ").Append(adminUrl).AppendLine("/status")
            .AppendLine("Try, from another terminal:");
        foreach (var (command, comment) in lines)
        {
            text.Append("  ").Append(command.PadRight(width)).Append("# ").AppendLine(comment);
        }
        text.AppendLine("Type here, and watch the status page:")
            .Append("  ").Append("stop web-1".PadRight(width)).AppendLine("# web-1 stops listening: probes eject it within ~2 s, requests fail over")
            .Append("  ").Append("start web-1".PadRight(width)).AppendLine("# web-1 listens again: the next passing probe brings it back")
            .AppendLine("Ctrl+C stops everything.").AppendLine();
        Console.Out.Write(text.ToString());
        Console.Out.Flush();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Demo: {Pods} pods listening on port {Port}, cluster DNS at {Dns}")]
        public static partial void Started(ILogger logger, int pods, int port, string dns);
    }
}
