using HeadlessSidecar.Injection;

namespace HeadlessSidecar.Commands;

/// <summary>Contract section 8: <c>inject</c> and <c>uninject</c> over Kubernetes YAML.</summary>
internal static class InjectCommand
{
    public const string StdinName = "<stdin>";

    public static Task<int> RunAsync(string[] args, bool inject, TextReader stdin, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, inject, stdin, stdout, stderr, SidecarCommands.Version);

    public static async Task<int> RunAsync(string[] args, bool inject, TextReader stdin, TextWriter stdout, TextWriter stderr, string version)
    {
        var command = inject ? "inject" : "uninject";
        var files = new List<string>();
        var defaults = new InjectorDefaults();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                await stdout.WriteLineAsync(Usage(inject));
                return ExitCodes.Ok;
            }
            if (arg is "-f" or "--filename")
            {
                if (i + 1 >= args.Length)
                {
                    return await FailAsync(stderr, $"{command}: {arg} needs a file name (or - for standard input)");
                }
                files.Add(args[++i]);
                continue;
            }
            if (arg.StartsWith("-f=", StringComparison.Ordinal) || arg.StartsWith("--filename=", StringComparison.Ordinal))
            {
                files.Add(arg[(arg.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                continue;
            }
            if (inject && InjectorFlags.TryApply(args, ref i, ref defaults, out var flagError))
            {
                if (flagError is not null)
                {
                    return await FailAsync(stderr, $"{command}: {flagError}");
                }
                continue;
            }
            return await FailAsync(stderr, $"{command}: unknown argument '{arg}' (usage: {Usage(inject)})");
        }
        if (files.Count == 0)
        {
            files.Add("-");
        }

        var sources = new List<ManifestSource>();
        var stdinRead = false;
        foreach (var file in files)
        {
            if (file == "-")
            {
                if (stdinRead)
                {
                    return await FailAsync(stderr, $"{command}: standard input (-f -) can be read only once");
                }
                stdinRead = true;
                sources.Add(new ManifestSource(StdinName, await stdin.ReadToEndAsync()));
                continue;
            }
            try
            {
                sources.Add(new ManifestSource(file, await File.ReadAllTextAsync(file)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return await FailAsync(stderr, $"{command}: cannot read {file}: {ex.Message}");
            }
        }

        ManifestResult result;
        try
        {
            result = new ManifestInjector(new InjectionEngine(defaults, version)).Process(sources, inject);
        }
        catch (Exception ex)
        {
            // The self-check refused its own output: print nothing rather than a manifest that could mean something else.
            await stderr.WriteLineAsync($"headless-sidecar: {command}: internal error, nothing written: {ex.Message}");
            return ExitCodes.Failure;
        }
        foreach (var warning in result.Warnings)
        {
            await stderr.WriteLineAsync($"headless-sidecar: warning: {warning}");
        }
        if (result.Error is not null)
        {
            return await FailAsync(stderr, result.Error);
        }
        await stdout.WriteAsync(result.Output);
        await stdout.FlushAsync();
        return ExitCodes.Ok;
    }

    private static string Usage(bool inject) => inject
        ? "headless-sidecar inject [-f FILE]... [--mode native|classic] [--image IMAGE] [--config-map NAME]"
        : "headless-sidecar uninject [-f FILE]...";

    private static async Task<int> FailAsync(TextWriter stderr, string message)
    {
        await stderr.WriteLineAsync($"headless-sidecar: {message}");
        return ExitCodes.BadConfiguration;
    }
}
