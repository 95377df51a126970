using System.Reflection;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Hosting;
using HeadlessSidecar.Reload;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessSidecar.Commands;

/// <summary>Contract section 1: <c>run</c> (default), <c>demo</c>, <c>validate</c>, <c>--help</c>, <c>--version</c>.</summary>
internal static class SidecarCommands
{
    public static async Task<int> RunAsync(string[] args)
    {
        // Commands with flags of their own (contract section 8) parse the rest of the line themselves.
        if (args.Length > 0)
        {
            var rest = args[1..];
            switch (args[0])
            {
                case "inject":
                    return await InjectCommand.RunAsync(rest, inject: true, Console.In, Console.Out, Console.Error);
                case "uninject":
                    return await InjectCommand.RunAsync(rest, inject: false, Console.In, Console.Out, Console.Error);
                case "webhook":
                    return await WebhookCommand.RunAsync(rest, Console.Out, Console.Error);
                case "await":
                    return await AwaitCommand.RunAsync(rest, Console.Error);
            }
        }
        var commandLine = CommandLine.Parse(args);
        if (commandLine.Error is not null)
        {
            await Console.Error.WriteLineAsync($"headless-sidecar: {commandLine.Error}");
            return ExitCodes.BadConfiguration;
        }
        switch (commandLine.Command)
        {
            case "help":
                Console.Out.Write(HelpText);
                return ExitCodes.Ok;
            case "version":
                Console.Out.WriteLine($"headless-sidecar {Version}");
                return ExitCodes.Ok;
            case "demo":
                return await Demo.DemoCommand.RunAsync(commandLine.Overrides);
        }
        IConfigurationRoot configuration;
        try
        {
            configuration = SidecarConfiguration.Build(commandLine.ConfigFile, commandLine.Overrides);
        }
        catch (ConfigurationFileException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.BadConfiguration;
        }
        var options = SidecarConfiguration.ReadOrReport(configuration, Console.Error,
            commandLine.NoFiles ? new SidecarReadOptions { CheckFiles = false } : null);
        if (options is null)
        {
            return ExitCodes.BadConfiguration;
        }
        if (commandLine.Command == "validate")
        {
            Console.Out.WriteLine($"configuration is valid: {options.Services.Count} service(s): {string.Join(", ", options.Services.Select(s => s.Name))}");
            return ExitCodes.Ok;
        }
        return await RunSidecarAsync(options, configuration, origin: new ConfigurationOrigin(commandLine.ConfigFile, commandLine.Overrides));
    }

    /// <param name="origin">Where the configuration was read from, so a file change or SIGHUP reads it again; null: no reloads.</param>
    public static async Task<int> RunSidecarAsync(SidecarOptions options, IConfiguration configuration, Action<SidecarHost>? started = null,
        ConfigurationOrigin? origin = null)
    {
        SidecarHost host;
        try
        {
            host = await SidecarHost.CreateAsync(options, configuration, origin is null ? null : services => services.AddSingleton(origin));
        }
        catch (ListenerBindException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.BadConfiguration;
        }
        await using (host)
        {
            try
            {
                await host.StartAsync();
            }
            catch (ListenerBindException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return ExitCodes.BadConfiguration;
            }
            started?.Invoke(host);
            await host.WaitForShutdownAsync();
        }
        return ExitCodes.Ok;
    }

    public static string Version =>
        typeof(SidecarCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private const string HelpText = """
        headless-sidecar: discovery, per-pod routing, balancing and failover for Kubernetes headless Services.

        Usage:
          headless-sidecar [run] [--config FILE] [--Sidecar:Key=value ...]
          headless-sidecar validate [--config FILE] [--no-files] [--Sidecar:Key=value ...]
          headless-sidecar demo
          headless-sidecar inject [-f FILE]... [--mode native|classic] [--image IMAGE] [--config-map NAME]
          headless-sidecar uninject [-f FILE]...
          headless-sidecar webhook [--listen ADDR:PORT] --tls-cert FILE --tls-key FILE [--mode native|classic] [--image IMAGE] [--config-map NAME]
          headless-sidecar await [--url URL] [--timeout DURATION]
          headless-sidecar --help | --version

        Commands:
          run        run the sidecar (the default)
          validate   check the configuration: exit 0, or print each problem (key: reason) and exit 2; the TLS
                     files it names are opened and checked too, unless --no-files (a ConfigMap checked outside its pod)
          demo       start a simulated 3-pod StatefulSet, its DNS and the sidecar on this machine
          inject     add the sidecar to the pod templates of Kubernetes YAML (files, or stdin) and print it
          uninject   remove what inject added
          webhook    the mutating admission webhook that injects the sidecar (HTTPS, default 0.0.0.0:8443; POST /inject,
                     /healthz, /readyz, /metrics); reloads --tls-cert/--tls-key when they change
          await      exit 0 once URL answers 200 (default http://127.0.0.1:18090/readyz), 1 after the timeout (default 2m)

        Configuration, later wins: appsettings.json beside the executable, --config FILE (JSON, same shape),
        environment variables (Sidecar__Services__web__Host=...), command-line overrides (--Sidecar:AccessLog=true).
        Reload: a change of appsettings.json or the --config file (a ConfigMap's symlink swap too), or SIGHUP, reads them again;
        an invalid configuration is refused and the running one kept (headless_sidecar_config_reloads_total{result}).
        Admin endpoints (Sidecar:Admin:Listen, default 0.0.0.0:18090): /metrics /healthz /readyz /status /debug/peers /debug/config
        (/status and /debug/* answer loopback clients only, as kubectl port-forward arrives, unless Sidecar:Admin:DebugAccess=Any)

        """;
}
