namespace HeadlessSidecar.Health;

/// <summary>
/// Health of one pod. <see cref="HealthSettings.ConsecutiveFailures"/> failures in a row eject it for
/// <see cref="HealthSettings.EjectFor"/>, whatever probes say meanwhile. When that window ends a pod without
/// active health is back at once; a pod with active health stays ejected until its next passing probe. An
/// ejection within <c>EjectFor</c> of the last return lasts twice the previous one (capped); a clean
/// <c>EjectFor</c> after a return resets it.
/// </summary>
/// <remarks>
/// Nothing runs on a timer: state is evaluated against the injected clock when read. Ejection state is an
/// immutable record swapped under a per-pod lock, so readers never lock and a healthy pod costs
/// <see cref="IsEjected"/> one field read. Only successes, failures and probes write.
/// </remarks>
internal sealed class PodHealth
{
    public const string ProbeFailedReason = "probe_failed";
    public const string AwaitingProbeReason = "awaiting_probe";

    // Asking the panic guard and ejecting must be one step, or two pods of a service could both pass on the same
    // count. Ejection decisions are rare, so one process-wide lock costs nothing and spares owners a lock per service.
    private static readonly Lock EjectionDecision = new();

    private readonly HealthSettings _settings;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private State _state = State.Initial;
    private int _consecutiveFailures;

    public PodHealth(HealthSettings settings, TimeProvider time, bool hasActiveHealth)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.ConsecutiveFailures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.EjectFor, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.MaxEjection, TimeSpan.Zero);
        _settings = settings;
        _time = time;
        HasActiveHealth = hasActiveHealth;
    }

    public bool HasActiveHealth { get; }

    /// <summary>Whether balanced traffic must avoid the pod now (ejection window, or awaiting a passing probe).</summary>
    public bool IsEjected
    {
        get
        {
            var state = Volatile.Read(ref _state);
            return state.Open && (HasActiveHealth || _time.GetUtcNow() < state.WindowEnd);
        }
    }

    /// <summary>End of the running ejection window; null when not ejected or when only a probe can return the pod.</summary>
    public DateTimeOffset? EjectedUntil => Snapshot().EjectedUntil;

    /// <summary>The failure that caused the ejection (<c>connect_error</c>, <c>status_503</c>, …), or <c>awaiting_probe</c>.</summary>
    public string? EjectReason => Snapshot().EjectReason;

    /// <summary>When the pod last came back from an ejection (for slow start); null if it never was ejected and back.</summary>
    public DateTimeOffset? ReturnedAt => Snapshot().ReturnedAt;

    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    public PodHealthSnapshot Snapshot()
    {
        var state = Volatile.Read(ref _state);
        var now = _time.GetUtcNow();
        var inWindow = state.Open && now < state.WindowEnd;
        var ejected = IsEjectedAt(state, now);
        return new PodHealthSnapshot(
            ejected,
            inWindow ? state.WindowEnd : null,
            !ejected ? null : inWindow ? state.Reason : AwaitingProbeReason,
            ReturnedAtAt(state, now),
            ConsecutiveFailures);
    }

    /// <summary>
    /// A good answer: resets the failure count. It never ends an ejection (ejected pods get traffic only while the
    /// service panics, and such answers do not prove the pod well); only time, or a passing probe, does.
    /// </summary>
    public void RecordSuccess()
    {
        if (Volatile.Read(ref _consecutiveFailures) != 0)
        {
            Interlocked.Exchange(ref _consecutiveFailures, 0);
        }
    }

    /// <summary>
    /// A failed attempt (<paramref name="reason"/> as in the failover metric). Failures while ejected neither count
    /// nor extend the ejection. At the threshold <paramref name="mayEject"/> (the service's panic guard) decides;
    /// after a refusal every further failure asks again, so the pod goes as soon as the guard allows.
    /// <paramref name="unresponsive"/>: the pod showed no sign of life (a connect timeout, or a <c>Timeouts:PerTry</c>
    /// that passed with no answer from it at all), which is not worth waiting for more of: it reaches the threshold
    /// at once, still under the panic guard.
    /// </summary>
    public HealthOutcome RecordFailure(string reason, Func<bool> mayEject, bool unresponsive = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        ArgumentNullException.ThrowIfNull(mayEject);
        lock (_lock)
        {
            var state = _state;
            var now = _time.GetUtcNow();
            if (IsEjectedAt(state, now))
            {
                return HealthOutcome.None;
            }
            var failures = Interlocked.Increment(ref _consecutiveFailures);
            if (unresponsive && failures < _settings.ConsecutiveFailures)
            {
                failures = _settings.ConsecutiveFailures;
                Volatile.Write(ref _consecutiveFailures, failures);
            }
            if (failures < _settings.ConsecutiveFailures)
            {
                return HealthOutcome.None;
            }
            var returnedAt = ReturnedAtAt(state, now);
            var duration = NextEjection(state, returnedAt, now);
            lock (EjectionDecision)
            {
                if (!mayEject())
                {
                    // Keep the count bounded, unless a success reset it meanwhile.
                    Interlocked.CompareExchange(ref _consecutiveFailures, _settings.ConsecutiveFailures, failures);
                    return HealthOutcome.EjectionRefusedByPanicGuard;
                }
                Volatile.Write(ref _state, new State(true, now + duration, reason, duration, returnedAt));
            }
            Interlocked.Exchange(ref _consecutiveFailures, 0);
            return HealthOutcome.Ejected;
        }
    }

    /// <summary>
    /// An active probe's result. A failed probe is a failure with reason <c>probe_failed</c>; a passing one resets
    /// the count and returns a pod whose ejection window is over (never one inside it).
    /// </summary>
    public HealthOutcome RecordProbe(bool passed, Func<bool> mayEject)
    {
        if (!passed)
        {
            return RecordFailure(ProbeFailedReason, mayEject);
        }
        RecordSuccess();
        if (!HasActiveHealth || !Volatile.Read(ref _state).Open)
        {
            return HealthOutcome.None;
        }
        lock (_lock)
        {
            var state = _state;
            var now = _time.GetUtcNow();
            if (!state.Open || now < state.WindowEnd)
            {
                return HealthOutcome.None;
            }
            Volatile.Write(ref _state, state with { Open = false, ReturnedAt = now });
            return HealthOutcome.Returned;
        }
    }

    private bool IsEjectedAt(State state, DateTimeOffset now) =>
        state.Open && (HasActiveHealth || now < state.WindowEnd);

    // Without active health an ejection ends by time alone, so its return is its window's end, with no write needed.
    private DateTimeOffset? ReturnedAtAt(State state, DateTimeOffset now) =>
        state.Open && !HasActiveHealth && now >= state.WindowEnd ? state.WindowEnd : state.ReturnedAt;

    private TimeSpan NextEjection(State state, DateTimeOffset? returnedAt, DateTimeOffset now)
    {
        var ejectFor = _settings.EjectFor;
        if (returnedAt is not { } returned || now - returned >= ejectFor)
        {
            return ejectFor;
        }
        var cap = _settings.MaxEjection > ejectFor ? _settings.MaxEjection : ejectFor;
        return state.Duration >= cap / 2 ? cap : state.Duration * 2;
    }

    /// <param name="Open">
    /// An ejection not closed yet. With active health it lasts until a passing probe after <paramref name="WindowEnd"/>;
    /// without, it is over at <paramref name="WindowEnd"/> and stays "open" only until the next ejection replaces it.
    /// </param>
    /// <param name="Duration">Length of the latest ejection window, the base of the next doubling.</param>
    /// <param name="ReturnedAt">The latest return closed before this state.</param>
    private sealed record State(bool Open, DateTimeOffset WindowEnd, string? Reason, TimeSpan Duration, DateTimeOffset? ReturnedAt)
    {
        public static readonly State Initial = new(false, default, null, TimeSpan.Zero, null);
    }
}
