namespace HeadlessSidecar.Commands;

/// <summary>Contract section 8: <c>inject</c> and <c>uninject</c> over Kubernetes YAML.</summary>
internal static class InjectCommand
{
    public static async Task<int> RunAsync(string[] args, bool inject, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        _ = args;
        _ = stdin;
        _ = stdout;
        await stderr.WriteLineAsync($"headless-sidecar: {(inject ? "inject" : "uninject")} is not built yet");
        return ExitCodes.Failure;
    }
}
