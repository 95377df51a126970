using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>A bounded client loop: <c>workers</c> connections each sending <c>perWorker</c> GETs, recording outcomes.</summary>
internal sealed class LoadLoop
{
    private readonly ConcurrentBag<(HttpStatusCode? Status, double Milliseconds, string? Error, string? Pod)> _results = [];
    private int _completed;

    public int Completed => Volatile.Read(ref _completed);

    public IReadOnlyCollection<(HttpStatusCode? Status, double Milliseconds, string? Error, string? Pod)> Results => _results;

    public int Failed => _results.Count(r => r.Status != HttpStatusCode.OK);

    public Task RunAsync(Uri baseAddress, int workers, int perWorker, string path = "/", Action<HttpRequestMessage>? configure = null,
        TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = baseAddress, Timeout = requestTimeout ?? TimeSpan.FromSeconds(10) };
            for (var i = 0; i < perWorker; i++)
            {
                var request = new HttpRequestMessage(HttpMethod.Get, path);
                configure?.Invoke(request);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.SendAsync(request, cancellationToken);
                    await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    response.Headers.TryGetValues("X-Headless-Pod", out var pods);
                    _results.Add((response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                        response.IsSuccessStatusCode ? null : response.Headers.TryGetValues("X-Headless-Error", out var e) ? e.Single() : null, pods?.Single()));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    _results.Add((null, Stopwatch.GetElapsedTime(started).TotalMilliseconds, ex.GetType().Name + ": " + ex.Message, null));
                }
                Interlocked.Increment(ref _completed);
            }
        }));

    public double Percentile(double p)
    {
        var sorted = _results.Select(r => r.Milliseconds).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
    }

    public string Describe() =>
        $"{_results.Count} requests, {Failed} failed, p50 {Percentile(50):F1} ms, p99 {Percentile(99):F1} ms, max {Percentile(100):F1} ms; " +
        string.Join("; ", _results.Where(r => r.Status != HttpStatusCode.OK).Take(5).Select(r => $"{r.Status} {r.Error}"));
}
