namespace HeadlessSidecar.Commands;

/// <summary>Contract section 8: waits until the sidecar's /readyz answers 200 (classic mode's postStart).</summary>
internal static class AwaitCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stderr)
    {
        _ = args;
        await stderr.WriteLineAsync("headless-sidecar: await is not built yet");
        return ExitCodes.Failure;
    }
}
