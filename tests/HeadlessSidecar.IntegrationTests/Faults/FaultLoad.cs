using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>
/// Bounded background load for a fault row: <c>clients</c> closed-loop clients (one keep-alive connection each)
/// sending GETs until a time or a request count is reached, or <see cref="StopAsync"/>. Every request is kept with
/// its start and end (seconds since the load started), so a row can count what happened around its fault.
/// </summary>
internal sealed class FaultLoad : IAsyncDisposable
{
    private readonly ConcurrentQueue<FaultSample> _samples = new();
    private readonly CancellationTokenSource _stop;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Task _workers;
    private int _inFlight;

    private FaultLoad(Uri baseAddress, int clients, string path, TimeSpan duration, int? maxRequests,
        Action<HttpRequestMessage>? configure, TimeSpan requestTimeout, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _stop.CancelAfter(duration);
        var budget = maxRequests ?? int.MaxValue;
        _workers = Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = baseAddress, Timeout = requestTimeout };
            while (!_stop.IsCancellationRequested && Interlocked.Decrement(ref budget) >= 0)
            {
                await SendOneAsync(client, path, configure);
            }
        })));
    }

    /// <summary>Requests sent so far (finished or not).</summary>
    public int Sent => _samples.Count + InFlight;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Seconds since the load started: the clock of every sample.</summary>
    public double Now => Stopwatch.GetElapsedTime(_started).TotalSeconds;

    public IReadOnlyCollection<FaultSample> Samples => _samples;

    public int Failed => _samples.Count(s => !s.Ok);

    public static FaultLoad Start(Uri baseAddress, int clients, TimeSpan duration, string path = "/", int? maxRequests = null,
        Action<HttpRequestMessage>? configure = null, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default) =>
        new(baseAddress, clients, path, duration, maxRequests, configure, requestTimeout ?? TimeSpan.FromSeconds(10), cancellationToken);

    /// <summary>Sends no new request; waits (bounded by the request timeout) for those in flight.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _workers;
    }

    /// <summary>Waits until the load's own time or count is over.</summary>
    public Task Completion => _workers;

    /// <summary>Waits until <paramref name="count"/> more requests have finished: traffic before a fault.</summary>
    public Task WaitForRequestsAsync(int count, CancellationToken cancellationToken)
    {
        var target = _samples.Count + count;
        return Infrastructure.Poll.UntilAsync(_ => Task.FromResult(_samples.Count >= target), $"{count} requests through the load",
            TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
    }

    /// <summary>Percentile <paramref name="p"/> (0–100) of request durations in milliseconds, of the samples <paramref name="where"/> selects.</summary>
    public double Percentile(double p, Func<FaultSample, bool>? where = null)
    {
        var sorted = _samples.Where(where ?? (_ => true)).Select(s => s.Milliseconds).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>The share (0–1) of successful requests that pod <paramref name="pod"/> served among those started in [from, to).</summary>
    public double Share(string pod, double from = 0, double to = double.MaxValue)
    {
        var window = _samples.Where(s => s.Ok && s.Start >= from && s.Start < to).ToArray();
        return window.Length == 0 ? 0 : (double)window.Count(s => s.Pod == pod) / window.Length;
    }

    public string Describe() =>
        $"{Sent} sent, {Failed} failed, p50 {Percentile(50):F1} ms, p99 {Percentile(99):F1} ms, max {Percentile(100):F1} ms" +
        string.Concat(_samples.Where(s => !s.Ok).GroupBy(s => s.Outcome).Select(g => $"; {g.Count()}× {g.Key}"));

    private async Task SendOneAsync(HttpClient client, string path, Action<HttpRequestMessage>? configure)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        configure?.Invoke(request);
        Interlocked.Increment(ref _inFlight);
        var start = Now;
        try
        {
            // Not cancelled by StopAsync: a request already sent runs to its end, as the app's would.
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            var pod = response.Headers.TryGetValues("X-Headless-Pod", out var pods) ? pods.FirstOrDefault() : null;
            var error = response.Headers.TryGetValues("X-Headless-Error", out var errors) ? errors.FirstOrDefault() : null;
            _samples.Enqueue(new FaultSample(start, Now, response.StatusCode, error, pod));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            _samples.Enqueue(new FaultSample(start, Now, null, ex.GetType().Name, null));
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _workers;
        }
        finally
        {
            _stop.Dispose();
        }
    }
}
