namespace HeadlessSidecar.Failover;

/// <summary>
/// The retry budget of one service (contract §4): a retry is allowed while the retries of the last 10 s
/// stay under <c>Retry:BudgetPercent</c> of the app requests (not attempts) of the last 10 s, or under
/// 100, whichever is larger.
/// </summary>
/// <remarks>
/// <para>
/// "Stay under" counts the retry being asked for: a retry is allowed iff
/// <c>retriesInWindow + 1 &lt;= max(floor(requestsInWindow * BudgetPercent / 100), 100)</c>.
/// So 20 % of 1,000 requests allows exactly 200 retries (the 201st is refused), a quiet service still
/// gets 100 retries per window, and <c>BudgetPercent</c> 0 leaves only those 100. A refused retry is not
/// counted, so refusals alone never keep the budget shut.
/// </para>
/// <para>
/// The window is a ring of ten one-second buckets numbered from construction: an event counts while
/// its bucket is the current one or one of the nine before it, i.e. for between 9 and 10 s.
/// <see cref="RecordRequest"/> is lock-free (it sits on every request); <see cref="TryAcquireRetry"/>
/// checks and counts under a short lock, so concurrent retries never overshoot the limit. Neither allocates.
/// </para>
/// </remarks>
internal sealed class RetryBudget
{
    internal static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(10);
    internal const int DefaultBucketCount = 10;
    internal const int DefaultMinRetriesPerWindow = 100;

    private readonly TimeProvider _timeProvider;
    private readonly long _origin;
    private readonly long _bucketLength;
    private readonly int _budgetPercent;
    private readonly int _minRetriesPerWindow;
    private readonly SlidingWindowCounter _requests;
    private readonly SlidingWindowCounter _retries;
    private readonly Lock _retryLock = new();

    public RetryBudget(int budgetPercent, TimeProvider timeProvider)
        : this(budgetPercent, timeProvider, DefaultWindow, DefaultBucketCount, DefaultMinRetriesPerWindow)
    {
    }

    internal RetryBudget(int budgetPercent, TimeProvider timeProvider, TimeSpan window, int bucketCount, int minRetriesPerWindow)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budgetPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(budgetPercent, 100);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minRetriesPerWindow);

        var bucketLength = (long)((Int128)window.Ticks * timeProvider.TimestampFrequency / ((Int128)TimeSpan.TicksPerSecond * bucketCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketLength, 1, nameof(window));

        _budgetPercent = budgetPercent;
        _timeProvider = timeProvider;
        _bucketLength = bucketLength;
        _minRetriesPerWindow = minRetriesPerWindow;
        _requests = new SlidingWindowCounter(bucketCount);
        _retries = new SlidingWindowCounter(bucketCount);
        _origin = timeProvider.GetTimestamp();
    }

    /// <summary>App requests counted in the current window.</summary>
    public int RequestsInWindow => Saturate(_requests.Sum(CurrentBucket()));

    /// <summary>Retries allowed in the current window.</summary>
    public int RetriesInWindow => Saturate(_retries.Sum(CurrentBucket()));

    /// <summary>Counts one app request; call it once per request, not per attempt.</summary>
    public void RecordRequest() => _requests.Increment(CurrentBucket());

    /// <summary>Counts a retry and returns true when the budget allows it; a refused retry is not counted.</summary>
    public bool TryAcquireRetry()
    {
        lock (_retryLock)
        {
            // Read the clock under the lock so retry buckets are written in time order.
            var bucket = CurrentBucket();
            var limit = Math.Max(_requests.Sum(bucket) * _budgetPercent / 100, _minRetriesPerWindow);
            if (_retries.Sum(bucket) >= limit)
            {
                return false;
            }
            _retries.Increment(bucket);
            return true;
        }
    }

    private uint CurrentBucket()
    {
        var elapsed = _timeProvider.GetTimestamp() - _origin;
        return elapsed <= 0 ? 0 : (uint)(elapsed / _bucketLength);
    }

    private static int Saturate(long value) => (int)Math.Min(value, int.MaxValue);
}
