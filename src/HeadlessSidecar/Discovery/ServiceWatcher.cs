using HeadlessSidecar.Configuration;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// Keeps one service's <see cref="ServiceEndpoints"/> current: resolves, publishes a snapshot, waits for the TTL (or
/// the error backoff), and again, until cancelled.
/// </summary>
/// <remarks>
/// <para>An answer (pods, NXDOMAIN, NODATA) replaces the set at once and is always published, since it moves
/// <see cref="ServiceSnapshot.LastResolvedAt"/>; consumers act on the pod diff, which is empty when nothing moved.</para>
/// <para>A failure (timeout, SERVFAIL, unreachable) keeps the last set, marked stale, until <c>Dns:MaxStale</c> has
/// passed since the first failure in a row; the first failing attempt after that drops it. While stale, retries are
/// timed so that one falls on that deadline. A failure that changes nothing visible is not published.</para>
/// </remarks>
internal sealed partial class ServiceWatcher
{
    private readonly ServiceOptions _service;
    private readonly TimeSpan _maxStale;
    private readonly ServiceResolver _resolver;
    private readonly RefreshSchedule _schedule;
    private readonly TimeProvider _time;
    private readonly ILogger<ServiceWatcher> _logger;
    private readonly DiscoveryMetrics? _metrics;

    private readonly TaskCompletionSource<ServiceSnapshot> _firstResolution = NewCompletion<ServiceSnapshot>();
    private TaskCompletionSource<ServiceSnapshot> _nextResolution = NewCompletion<ServiceSnapshot>();
    private TaskCompletionSource _wake = NewCompletion();
    private int _refreshRequested;
    private int _running;

    // Owned by the loop.
    private string? _fqdn;
    private DateTimeOffset? _failingSince;
    private int _failures;
    private int _partialAnswers;
    private DnsRejections _rejectionsUnlogged;
    private DateTimeOffset? _rejectionsLoggedAt;

    /// <summary>At most one line per service per interval about rejected DNS data: a hostile server decides how much
    /// of it there is, not how much we log (the counter keeps the exact count).</summary>
    internal static readonly TimeSpan RejectionLogInterval = TimeSpan.FromMinutes(1);

    public ServiceWatcher(ServiceOptions service, DnsOptions dns, ServiceEndpoints endpoints, ServiceResolver resolver,
        TimeProvider timeProvider, ILogger<ServiceWatcher> logger, DiscoveryMetrics? metrics = null, RefreshSchedule? schedule = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(dns);
        _service = service;
        _maxStale = dns.MaxStale;
        Endpoints = endpoints;
        _resolver = resolver;
        _schedule = schedule ?? new RefreshSchedule(dns.MinRefresh, dns.MaxRefresh);
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
    }

    // Task.Delay's limit is about 49 days; no sane MaxRefresh comes near it.
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    public string Service => _service.Name;

    public ServiceEndpoints Endpoints { get; }

    /// <summary>Completes with the snapshot published after the first resolution, whatever its result (errors included);
    /// cancelled if the watcher stops before.</summary>
    public Task<ServiceSnapshot> FirstResolution => _firstResolution.Task;

    /// <summary>
    /// Asks for a resolution before the TTL runs out (say, after connections to a pod fail). Requests are coalesced and
    /// rate-limited: a resolution starts no sooner than <c>max(Dns:MinRefresh, 250 ms)</c> after the previous one started.
    /// </summary>
    public void RequestRefresh()
    {
        Volatile.Write(ref _refreshRequested, 1);
        Volatile.Read(ref _wake).TrySetResult();
    }

    /// <summary><see cref="RequestRefresh"/>, then waits for the snapshot of the next resolution to start (rate limit included).</summary>
    public Task<ServiceSnapshot> RequestRefreshAsync(CancellationToken cancellationToken = default)
    {
        var next = Volatile.Read(ref _nextResolution).Task;
        RequestRefresh();
        return next.WaitAsync(cancellationToken);
    }

    /// <summary>Raised when the loop starts waiting, with the time the next resolution is due (for tests).</summary>
    internal event Action<DateTimeOffset>? Waiting;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; then returns without throwing.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException($"The watcher of service '{Service}' is already running.");
        }
        _metrics?.ServiceStarted(Service);
        TaskCompletionSource<ServiceSnapshot>? cycle = null;
        try
        {
            while (true)
            {
                // Clear the request before opening the next cycle's completion: a request made after a caller took
                // that completion then always survives until the wait that should honour it.
                Volatile.Write(ref _refreshRequested, 0);
                var wake = Volatile.Read(ref _wake);
                if (wake.Task.IsCompleted)
                {
                    Interlocked.CompareExchange(ref _wake, NewCompletion(), wake);
                }
                cycle = Interlocked.Exchange(ref _nextResolution, NewCompletion<ServiceSnapshot>());
                var startedAt = _time.GetUtcNow();

                var resolution = await ResolveAsync(cancellationToken);
                var (snapshot, delay) = Apply(resolution);
                cycle.TrySetResult(snapshot);
                _firstResolution.TrySetResult(snapshot);

                await WaitAsync(startedAt, delay, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            cycle?.TrySetCanceled(cancellationToken);
            Volatile.Read(ref _nextResolution).TrySetCanceled(cancellationToken);
            _firstResolution.TrySetCanceled(cancellationToken);
            Volatile.Write(ref _running, 0);
        }
    }

    private void NoteRejections(DnsRejections rejections, DateTimeOffset now)
    {
        if (rejections.IsEmpty)
        {
            return;
        }
        _metrics?.Rejected(Service, rejections);
        _rejectionsUnlogged += rejections;
        if (_rejectionsLoggedAt is { } last && now - last < RejectionLogInterval)
        {
            return;
        }
        Log.AnswersRejected(_logger, Service, _rejectionsUnlogged.ToString());
        _rejectionsUnlogged = DnsRejections.None;
        _rejectionsLoggedAt = now;
    }

    private async Task<ServiceResolution> ResolveAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _resolver.ResolveAsync(_service, _fqdn, Endpoints.Current.Pods, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.ResolutionCrashed(_logger, Service, ex);
            return ServiceResolution.Failed($"unexpected error ({ex.GetType().Name}: {ex.Message})");
        }
    }

    /// <summary>Turns a resolution into the next snapshot (publishing it when anything visible changed) and the delay before the next resolution.</summary>
    private (ServiceSnapshot Snapshot, TimeSpan Delay) Apply(ServiceResolution resolution)
    {
        var now = _time.GetUtcNow();
        var current = Endpoints.Current;
        _metrics?.LookupCompleted(Service, resolution.Result);
        NoteRejections(resolution.Rejections, now);

        ServiceSnapshot next;
        TimeSpan delay;
        if (resolution.Result == ResolutionResult.Error)
        {
            _failures++;
            _partialAnswers = 0;
            _failingSince ??= now;
            var failingFor = now - _failingSince.Value;
            var keep = current.Pods.Count > 0 && failingFor < _maxStale;
            delay = _schedule.AfterError(_failures);
            if (keep)
            {
                delay = Min(delay, _maxStale - failingFor);
                LogFailure(current, resolution.Error!, keep: true);
            }
            else if (current.Pods.Count > 0)
            {
                Log.StaleSetDropped(_logger, Service, current.Pods.Count, _maxStale, resolution.Error!);
            }
            else
            {
                LogFailure(current, resolution.Error!, keep: false);
            }

            var pods = keep ? current.Pods : [];
            if ((ReferenceEquals(pods, current.Pods) || (pods.Count == 0 && current.Pods.Count == 0)) && current.Stale == keep && current.LastResult == ResolutionResult.Error
                && current.Error == resolution.Error)
            {
                return (current, delay);
            }
            next = new ServiceSnapshot(Service, current.Host, pods, ResolutionResult.Error, current.LastResolvedAt, keep,
                resolution.Error, current.Version + 1);
        }
        else
        {
            if (_failingSince is { } since)
            {
                Log.Recovered(_logger, Service, now - since);
            }
            _failures = 0;
            _failingSince = null;
            _fqdn = resolution.Fqdn;
            delay = _schedule.AfterAnswer(resolution.Ttl);
            if (resolution.IsPartial)
            {
                // Come back soon for what was missing, backing off if it stays missing.
                _partialAnswers++;
                delay = Min(delay, _schedule.AfterError(_partialAnswers));
                Log.PartialAnswer(_logger, Service, resolution.Warnings.Count, string.Join("; ", resolution.Warnings));
            }
            else
            {
                _partialAnswers = 0;
            }
            var pods = current.Pods.SequenceEqual(resolution.Pods) ? current.Pods : resolution.Pods;
            next = new ServiceSnapshot(Service, resolution.Fqdn ?? current.Host, pods, resolution.Result, now, stale: false,
                error: null, current.Version + 1);
            if (current.LastResult != resolution.Result || current.LastResolvedAt is null)
            {
                Log.ResultChanged(_logger, Service, resolution.Result, next.Host, pods.Count);
            }
        }

        Publish(next);
        return (next, delay);
    }

    private void Publish(ServiceSnapshot next)
    {
        SnapshotDiff diff;
        try
        {
            diff = Endpoints.Publish(next);
        }
        catch (Exception ex)
        {
            // A subscriber's failure must not stop discovery; the snapshot is in place already.
            Log.SubscriberFailed(_logger, Service, ex);
            return;
        }
        if (!diff.IsEmpty)
        {
            _metrics?.EndpointsChanged(Service, diff);
            Log.PodsChanged(_logger, Service, next.Pods.Count, diff.Added.Count, diff.Removed.Count, diff.AddressChanged.Count);
        }
    }

    private void LogFailure(ServiceSnapshot current, string error, bool keep)
    {
        if (_failures > 1)
        {
            Log.StillFailing(_logger, Service, _failures, error);
        }
        else if (keep)
        {
            Log.FailedKeepingStale(_logger, Service, error, current.Pods.Count, _maxStale);
        }
        else
        {
            Log.Failed(_logger, Service, error);
        }
    }

    private async Task WaitAsync(DateTimeOffset startedAt, TimeSpan delay, CancellationToken cancellationToken)
    {
        var due = _time.GetUtcNow() + Min(delay, MaxWait);
        while (true)
        {
            var wake = Volatile.Read(ref _wake);
            var effectiveDue = Volatile.Read(ref _refreshRequested) != 0 ? Min(due, startedAt + _schedule.MinInterval) : due;
            var remaining = effectiveDue - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delayTask = Task.Delay(remaining, _time, delayCancellation.Token);
            Waiting?.Invoke(effectiveDue);
            if (await Task.WhenAny(delayTask, wake.Task) == delayTask)
            {
                await delayTask;
                return;
            }
            await delayCancellation.CancelAsync();
            Interlocked.CompareExchange(ref _wake, NewCompletion(), wake);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a <= b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private static TaskCompletionSource<T> NewCompletion<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
