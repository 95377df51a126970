namespace HeadlessSidecar.Demo;

/// <summary>
/// The demo's typed commands: <c>stop web-1</c> and <c>start web-1</c> stop a pod and bring it back while the
/// sidecar runs, to watch health checking eject it and return it (on /status, in /debug/peers, in the metrics).
/// Reads until its input ends; a demo started without a terminal (stdin closed) simply has no commands.
/// </summary>
internal static class DemoConsole
{
    public const string Usage = "commands: stop web-N | start web-N | help";

    public static async Task RunAsync(TextReader input, TextWriter output, DemoPodSet pods, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(pods);
        while (!cancellationToken.IsCancellationRequested)
        {
            string? line;
            try
            {
                line = await input.ReadLineAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (line is null)
            {
                return;
            }
            var reply = await ExecuteAsync(line, pods, cancellationToken);
            if (reply is not null)
            {
                await output.WriteLineAsync(reply);
                await output.FlushAsync(cancellationToken);
            }
        }
    }

    /// <summary>Runs one command line; returns what to tell the user, or null for an empty line.</summary>
    public static async Task<string?> ExecuteAsync(string line, DemoPodSet pods, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(pods);
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
        {
            return null;
        }
        var verb = words[0].ToLowerInvariant();
        if (verb is "help" or "?")
        {
            return Usage;
        }
        if (verb is not ("stop" or "start") || words.Length != 2)
        {
            return $"'{line.Trim()}' is not a demo command; {Usage}";
        }
        if (pods.OrdinalOf(words[1]) is not int ordinal)
        {
            return $"'{words[1]}' is not a pod of this demo (web-0..web-{pods.Replicas - 1})";
        }
        var name = DemoPodSet.NameOf(ordinal);
        try
        {
            if (verb == "stop")
            {
                return await pods.StopPodAsync(ordinal, cancellationToken)
                    ? $"{name} stopped: its address refuses connections and DNS still lists it; health checks eject it within seconds"
                    : $"{name} is already stopped";
            }
            return await pods.StartPodAsync(ordinal, cancellationToken)
                ? $"{name} started again: the next passing probe brings it back"
                : $"{name} is already running";
        }
        catch (IOException ex)
        {
            return $"{name} could not start: {ex.Message}";
        }
        catch (ObjectDisposedException)
        {
            return "the demo is stopping";
        }
    }
}
