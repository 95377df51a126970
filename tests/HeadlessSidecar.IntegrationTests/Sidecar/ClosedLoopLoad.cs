using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// App clients, each on its own connection, that send a GET as soon as the previous answer is in, until disposed
/// (the test's token bounds them too). Each answer's time, pod (<c>X-Headless-Pod</c>), duration and outcome are kept.
/// </summary>
internal sealed class ClosedLoopLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly ConcurrentQueue<Answer> _answers = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _workers;
    private int _inFlight;
    private int _disposed;

    private ClosedLoopLoad(Uri baseAddress, int workers, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _workers = Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(baseAddress))));
    }

    /// <param name="At">When the answer came, from the start of the load.</param>
    /// <param name="Failed">Not a 2xx, or no answer at all (the client's 10 s timeout included).</param>
    public readonly record struct Answer(TimeSpan At, string? Pod, TimeSpan Took, bool Failed);

    public IReadOnlyCollection<Answer> Answers => _answers;

    public int Failed => _answers.Count(a => a.Failed);

    /// <summary>Requests sent and not answered yet.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public TimeSpan Elapsed => _clock.Elapsed;

    public static ClosedLoopLoad Start(Uri baseAddress, int workers) => new(baseAddress, workers, TestContext.Current.CancellationToken);

    /// <summary>The share of answers since <paramref name="since"/> that came from <paramref name="pod"/>.</summary>
    public double ShareOf(string pod, TimeSpan since)
    {
        var answers = _answers.Where(a => a.At >= since).ToArray();
        return answers.Length == 0 ? 0 : (double)answers.Count(a => a.Pod == pod) / answers.Length;
    }

    public double Percentile(double p)
    {
        var sorted = _answers.Select(a => a.Took.TotalMilliseconds).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public string Describe(string? watchedPod = null)
    {
        var answers = _answers.ToArray();
        var byPod = answers.GroupBy(a => a.Pod ?? "none").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        var perSecond = answers.Length / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var watched = watchedPod is null ? "" : $", {watchedPod} {ShareOf(watchedPod, TimeSpan.Zero).ToString("P2", CultureInfo.InvariantCulture)}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{answers.Length} requests ({perSecond:F0}/s), {answers.Count(a => a.Failed)} failed, p50 {Percentile(50):F1} ms, p99 {Percentile(99):F1} ms, max {Percentile(100):F1} ms{watched}; {string.Join(", ", byPod)}");
    }

    private async Task WorkAsync(Uri baseAddress)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        while (!_stop.IsCancellationRequested)
        {
            var started = _clock.Elapsed;
            Interlocked.Increment(ref _inFlight);
            try
            {
                using var response = await client.GetAsync("/", _stop.Token);
                await response.Content.ReadAsByteArrayAsync(_stop.Token);
                var pod = response.Headers.TryGetValues("X-Headless-Pod", out var pods) ? pods.Single() : null;
                _answers.Enqueue(new Answer(_clock.Elapsed, pod, _clock.Elapsed - started, !response.IsSuccessStatusCode));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                _answers.Enqueue(new Answer(_clock.Elapsed, null, _clock.Elapsed - started, Failed: true));
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    /// <summary>Stops the clients and waits for them; a test may stop the load early, then disposal does nothing more.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync();
        await _workers;
        _stop.Dispose();
    }
}
