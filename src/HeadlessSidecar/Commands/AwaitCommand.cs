using System.Net;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Commands;

/// <summary>Contract section 8: waits until the sidecar's /readyz answers 200 (classic mode's postStart).</summary>
internal static class AwaitCommand
{
    public const string Usage = "usage: headless-sidecar await [--url URL] [--timeout DURATION]";

    public static readonly Uri DefaultUrl = new("http://127.0.0.1:18090/readyz");

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    // Short enough that the app starts a moment after the sidecar is ready; each attempt is bounded, so a
    // listener that accepts and never answers cannot hold the hook past its timeout.
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(string[] args, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        if (!TryParse(args, out var url, out var timeout, out var error))
        {
            if (error is null)
            {
                await stderr.WriteLineAsync(Usage);
                return ExitCodes.Ok;
            }
            await stderr.WriteLineAsync($"headless-sidecar: await: {error}");
            return ExitCodes.BadConfiguration;
        }
        using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = AttemptTimeout };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var last = await WaitAsync(client, url, timeout, TimeProvider.System, CancellationToken.None);
        if (last is null)
        {
            return ExitCodes.Ok;
        }
        await stderr.WriteLineAsync($"headless-sidecar: await: {url} did not answer 200 within {timeout} (last: {last})");
        return ExitCodes.Failure;
    }

    /// <summary>False with <paramref name="error"/> null for <c>--help</c>.</summary>
    public static bool TryParse(string[] args, out Uri url, out TimeSpan timeout, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        url = DefaultUrl;
        timeout = DefaultTimeout;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                error = null;
                return false;
            }
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            if (name is not ("--url" or "--timeout"))
            {
                error = $"unknown argument '{arg}' ({Usage})";
                return false;
            }
            var value = equals > 0 ? arg[(equals + 1)..] : i + 1 < args.Length ? args[++i] : "";
            if (value.Length == 0)
            {
                error = $"{name} needs a value";
                return false;
            }
            if (name == "--url")
            {
                if (!Uri.TryCreate(value, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
                {
                    error = $"--url: '{value}' is not an http:// or https:// URL";
                    return false;
                }
                url = parsed;
            }
            else if (!DurationParser.TryParse(value, out timeout) || timeout <= TimeSpan.Zero)
            {
                error = $"--timeout: '{value}' is not a positive duration (e.g. 30s, 2m, 00:02:00)";
                return false;
            }
        }
        error = null;
        return true;
    }

    /// <summary>Asks <paramref name="url"/> until it answers 200 (returns null) or <paramref name="timeout"/> passes
    /// (returns what the last attempt saw).</summary>
    public static async Task<string?> WaitAsync(HttpClient client, Uri url, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(timeProvider);
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var last = "no answer yet";
        while (true)
        {
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(linked.Token))
            {
                attempt.CancelAfter(AttemptTimeout);
                try
                {
                    using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return null;
                    }
                    last = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Cut short by the deadline, the previous attempt's answer says more.
                    if (!deadline.IsCancellationRequested)
                    {
                        last = $"no answer within {AttemptTimeout.TotalSeconds:0.#} s";
                    }
                }
                catch (HttpRequestException ex)
                {
                    last = ex.HttpRequestError == HttpRequestError.ConnectionError ? "connection refused or unreachable" : $"request failed ({ex.HttpRequestError})";
                }
            }
            if (deadline.IsCancellationRequested)
            {
                return last;
            }
            try
            {
                await Task.Delay(Interval, timeProvider, linked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return last;
            }
        }
    }
}
