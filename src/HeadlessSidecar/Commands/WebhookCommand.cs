namespace HeadlessSidecar.Commands;

/// <summary>Contract section 8: the mutating admission webhook.</summary>
internal static class WebhookCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        _ = args;
        _ = stdout;
        await stderr.WriteLineAsync("headless-sidecar: webhook is not built yet");
        return ExitCodes.Failure;
    }
}
