using HeadlessSidecar.Injection;
using HeadlessSidecar.Webhook;

namespace HeadlessSidecar.Commands;

/// <summary>Contract section 8: the mutating admission webhook.</summary>
internal static class WebhookCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (!WebhookArguments.TryParse(args, out var options, out var error))
        {
            await stderr.WriteLineAsync($"headless-sidecar: webhook: {error}");
            return ExitCodes.BadConfiguration;
        }
        if (options is null)
        {
            await stdout.WriteLineAsync(WebhookArguments.Usage);
            return ExitCodes.Ok;
        }
        IAdmissionReviewer reviewer;
        try
        {
            reviewer = AdmissionReviewerFactory.Create(options.Defaults);
        }
        catch (Exception ex)
        {
            await stderr.WriteLineAsync($"headless-sidecar: webhook: the injection engine cannot start: {ex.Message}");
            return ExitCodes.Failure;
        }
        try
        {
            await using var host = WebhookHost.Create(options, reviewer);
            await host.StartAsync();
            // SIGTERM stops the host: Kestrel finishes the reviews in flight and the process exits 0.
            await host.WaitForShutdownAsync();
        }
        catch (WebhookStartException ex)
        {
            await stderr.WriteLineAsync($"headless-sidecar: webhook: {ex.Message}");
            return ExitCodes.BadConfiguration;
        }
        return ExitCodes.Ok;
    }
}
