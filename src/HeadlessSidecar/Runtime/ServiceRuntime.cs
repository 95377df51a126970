using HeadlessSidecar.Configuration;
using HeadlessSidecar.Connections;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Failover;
using HeadlessSidecar.Health;
using HeadlessSidecar.Health.Probes;
using HeadlessSidecar.LoadBalancing;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Routing;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Runtime;

/// <summary>
/// Everything the proxy needs about one service, kept in step with discovery: each published snapshot becomes
/// a new immutable <see cref="PodTable"/>. Pods that stay at the same address keep their state and pool; pods
/// that leave or move are marked removed at once and their pools closed (idle connections now, busy ones after
/// their request).
/// </summary>
internal sealed partial class ServiceRuntime : IDisposable
{
    private readonly ServiceEndpoints _endpoints;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly HealthSettings _healthSettings;
    private readonly Lock _updateLock = new();
    private PodState? _servingPod;
    private PodState? _primary;
    private volatile bool _ready;
    private PodTable _table = PodTable.Empty;
    private ServiceNameSet _names;
    private string? _namesFqdn;

    public ServiceRuntime(ServiceOptions options, ServiceEndpoints endpoints, ProxyMetrics metrics, TimeProvider time, ILogger logger)
    {
        Options = options;
        _endpoints = endpoints;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _healthSettings = HealthSettings.From(options.Health);
        HasActiveHealth = ActiveCheck(options) is not null;
        Budget = new RetryBudget(options.Retry.BudgetPercent, time);
        WantedRole = options.Role switch
        {
            "Primary" => PodRole.Primary,
            "Replica" => PodRole.Replica,
            _ => null,
        };
        Policy = LoadBalancingPolicyFactory.Create(options.LoadBalancing);
        _names = new ServiceNameSet(options.Host, null);
        metrics.ServiceKnown(options.Name);
        endpoints.Changed += OnChanged;
        OnChanged(endpoints.Current, SnapshotDiff.None);
    }

    public string Name => Options.Name;

    public ServiceOptions Options { get; }

    public ILoadBalancingPolicy Policy { get; }

    public PodTable Table => Volatile.Read(ref _table);

    public ServiceNameSet Names => Volatile.Read(ref _names);

    public ServiceSnapshot Snapshot => _endpoints.Current;

    /// <summary>
    /// Ready once a snapshot with a DNS answer has been applied to the pod table — not merely published, so
    /// /readyz never says ready while routing still sees no pods.
    /// </summary>
    public bool Ready => _ready;

    public RetryBudget Budget { get; }

    /// <summary>The role balanced traffic goes to (<c>Role</c>), or null for <c>Any</c>.</summary>
    public PodRole? WantedRole { get; }

    public ProxyMetrics Metrics => _metrics;

    /// <summary>The latest failovers, for /debug/peers and /status.</summary>
    public FailoverHistory Failovers { get; } = new();

    public TimeProvider Time => _time;

    /// <summary>Whether pods are probed (<c>Health:Check</c> applies), so a pod back from ejection awaits a passing probe.</summary>
    public bool HasActiveHealth { get; }

    /// <summary>Asks discovery for an early re-resolution (a failing pod may have moved); set by the host.</summary>
    public Action? RequestRefresh { get; set; }

    /// <summary>The active check of a service: <c>Http</c> with a <c>ProbePath</c>, <c>Connect</c> if asked for, else none.</summary>
    public static string? ActiveCheck(ServiceOptions options) =>
        options.Health.Check ?? (options.Health.ProbePath is not null ? "Http" : options.Protocol == ServiceProtocol.Tcp ? "Connect" : null);

    /// <summary>Picks a pod for a balanced request, honouring panic mode and slow start; null when none is left.</summary>
    public PodState? PickBalanced(IReadOnlyList<PodState>? tried, string? hashKey)
    {
        var pods = Table.Pods;
        var context = new PickContext(tried, hashKey, ignoreEjection: IsPanicking(pods), WantedRole);
        var pod = Policy.Pick(pods, context);
        if (pod is not null && Options.SlowStart > TimeSpan.Zero && hashKey is null)
        {
            var factor = pod.SlowStartFactor(Options.SlowStart, _time.GetUtcNow());
            if (factor < 1 && Random.Shared.NextDouble() >= factor)
            {
                // A warming pod keeps only its ramp's share; another candidate at random takes the rest. Not the
                // policy again: a second round-robin step would skew the rotation towards the warming pod.
                pod = RandomOtherCandidate(pods, context, pod) ?? pod;
            }
        }
        return pod;
    }

    /// <summary>Whether another usable pod, not yet tried, is there to fail over to.</summary>
    public bool HasUntriedCandidate(IReadOnlyList<PodState> tried)
    {
        var pods = Table.Pods;
        var context = new PickContext(tried, null, IsPanicking(pods), WantedRole);
        foreach (var pod in pods)
        {
            if (context.IsCandidate(pod))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Records an attempt's failure against the pod; ejects it when its failures in a row reach the limit, or at once
    /// when it was <paramref name="unresponsive"/> (see <see cref="PodHealth.RecordFailure"/>).
    /// </summary>
    public void RecordFailure(PodState pod, string reason, bool unresponsive = false)
    {
        var outcome = pod.Health.RecordFailure(reason, MayEjectOneMore, unresponsive);
        if (outcome == HealthOutcome.Ejected)
        {
            // Back from ejection it starts unranked: tried at once, one request at a time until it answers.
            pod.Latency.Reset();
            _metrics.Ejected(Name, pod.Name);
            Log.PodEjected(_logger, Name, pod.Name, reason, pod.Health.EjectedUntil?.ToString("O") ?? "");
        }
        else if (outcome == HealthOutcome.EjectionRefusedByPanicGuard)
        {
            Log.EjectionRefused(_logger, Name, pod.Name);
        }
    }

    public void RecordProbe(PodState pod, bool passed, string? reason)
    {
        var wasEjected = pod.Health.IsEjected;
        var outcome = pod.Health.RecordProbe(passed, MayEjectOneMore);
        if (outcome == HealthOutcome.Ejected)
        {
            pod.Latency.Reset();
            _metrics.Ejected(Name, pod.Name);
            Log.PodEjected(_logger, Name, pod.Name, reason ?? PodHealth.ProbeFailedReason, pod.Health.EjectedUntil?.ToString("O") ?? "");
        }
        else if (wasEjected && !pod.Health.IsEjected)
        {
            Log.PodReturned(_logger, Name, pod.Name);
        }
    }

    /// <summary>
    /// <c>LowestOrdinal</c>: the serving pod changed because the one before it is ejected (or gone): one failover
    /// with reason <c>ejected</c>. Traffic moving back down when the ejection ends is not a failover.
    /// </summary>
    public void NoteServingPod(PodState pod)
    {
        var previous = Interlocked.Exchange(ref _servingPod, pod);
        if (previous is not null && !ReferenceEquals(previous, pod) && !previous.Removed && previous.Health.IsEjected
            && (pod.Ordinal ?? int.MaxValue) > (previous.Ordinal ?? int.MaxValue))
        {
            RecordFailover(previous, pod, "ejected");
        }
    }

    /// <summary>
    /// After a probe round: when the pod in the primary role changed, new connections move to the new one and
    /// the move counts one failover with reason <c>role_change</c>.
    /// </summary>
    public void NoteRoles()
    {
        if (WantedRole != PodRole.Primary)
        {
            // Only a service that follows the primary moves its traffic when the primary changes.
            return;
        }
        PodState? primary = null;
        foreach (var pod in Table.Pods)
        {
            if (pod.Role == PodRole.Primary && !pod.Removed)
            {
                primary = pod;
                break;
            }
        }
        if (primary is null)
        {
            return;
        }
        var previous = Interlocked.Exchange(ref _primary, primary);
        if (previous is not null && !ReferenceEquals(previous, primary) && previous.Name != primary.Name)
        {
            RecordFailover(previous, primary, "role_change");
            Log.PrimaryChanged(_logger, Name, previous.Name, primary.Name);
        }
    }

    /// <summary>A request or connection moved from <paramref name="from"/> to <paramref name="to"/>: counted and kept in <see cref="Failovers"/>.</summary>
    public void RecordFailover(PodState from, PodState to, string reason)
    {
        _metrics.Failover(Name, from.Name, to.Name, reason);
        Failovers.Add(new FailoverRecord(_time.GetUtcNow(), from.Name, to.Name, reason));
    }

    private static PodState? RandomOtherCandidate(PodState[] pods, in PickContext context, PodState except)
    {
        var count = 0;
        foreach (var candidate in pods)
        {
            if (!ReferenceEquals(candidate, except) && context.IsCandidate(candidate))
            {
                count++;
            }
        }
        if (count == 0)
        {
            return null;
        }
        var chosen = Random.Shared.Next(count);
        foreach (var candidate in pods)
        {
            if (!ReferenceEquals(candidate, except) && context.IsCandidate(candidate) && chosen-- == 0)
            {
                return candidate;
            }
        }
        return null;
    }

    private static bool IsPanicking(PodState[] pods) => PanicGuard.IsPanicking<PodState>(pods, static p => p.Health);

    /// <summary>The panic guard over one read of the table, so the count and the total agree.</summary>
    private bool MayEjectOneMore() => PanicGuard.MayEjectOneMore<PodState>(Table.Pods, static p => p.Health);

    /// <summary>Raised after the table changed, with the pods that arrived (ordinal listeners open on it).</summary>
    public event Action<ServiceRuntime, IReadOnlyList<PodState>>? PodsAdded;

    private void OnChanged(ServiceSnapshot snapshot, SnapshotDiff diff)
    {
        List<PodState> added = [];
        List<PodState> removed = [];
        lock (_updateLock)
        {
            if (!string.Equals(_namesFqdn, snapshot.Host, StringComparison.OrdinalIgnoreCase))
            {
                Volatile.Write(ref _names, new ServiceNameSet(Options.Host, snapshot.Host));
                _namesFqdn = snapshot.Host;
            }
            var old = _table;
            var pods = new PodState[snapshot.Pods.Count];
            var kept = new HashSet<PodState>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < pods.Length; i++)
            {
                var endpoint = snapshot.Pods[i];
                if (old.ByName.TryGetValue(endpoint.Name, out var existing) && existing.Endpoint.EndPoint.Equals(endpoint.EndPoint) && kept.Add(existing))
                {
                    pods[i] = existing;
                }
                else
                {
                    pods[i] = new PodState(endpoint, new PodConnectionPool(endpoint, Options, _logger, _time),
                        new PodHealth(_healthSettings, _time, HasActiveHealth), _time.GetUtcNow(), new PodLatency(_time));
                    added.Add(pods[i]);
                }
            }
            foreach (var pod in old.Pods)
            {
                if (!kept.Contains(pod))
                {
                    pod.MarkRemoved();
                    removed.Add(pod);
                }
            }
            if (added.Count > 0 || removed.Count > 0)
            {
                Volatile.Write(ref _table, new PodTable(pods));
            }
            _ready |= snapshot.Ready;
            if (added.Count == 0 && removed.Count == 0)
            {
                return;
            }
        }
        foreach (var pod in removed)
        {
            Log.PodRemoved(_logger, Name, pod.Name, pod.Endpoint.EndPoint.ToString());
            pod.Dispose();
        }
        foreach (var pod in added)
        {
            Log.PodAdded(_logger, Name, pod.Name, pod.Endpoint.EndPoint.ToString());
            _metrics.PodKnown(Name, pod.Name);
            _ = pod.Pool.WarmAsync();
        }
        if (added.Count > 0)
        {
            PodsAdded?.Invoke(this, added);
        }
    }

    public void Dispose()
    {
        _endpoints.Changed -= OnChanged;
        foreach (var pod in Table.Pods)
        {
            pod.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Service {Service}: pod {Pod} at {EndPoint} added")]
        public static partial void PodAdded(ILogger logger, string service, string pod, string endPoint);

        [LoggerMessage(2, LogLevel.Information, "Service {Service}: pod {Pod} at {EndPoint} removed")]
        public static partial void PodRemoved(ILogger logger, string service, string pod, string endPoint);

        [LoggerMessage(3, LogLevel.Warning, "Service {Service}: pod {Pod} ejected ({Reason}) until {Until}")]
        public static partial void PodEjected(ILogger logger, string service, string pod, string reason, string until);

        [LoggerMessage(4, LogLevel.Warning, "Service {Service}: pod {Pod} not ejected: more than half the pods would be out (panic guard)")]
        public static partial void EjectionRefused(ILogger logger, string service, string pod);

        [LoggerMessage(5, LogLevel.Information, "Service {Service}: pod {Pod} returned after a passing probe")]
        public static partial void PodReturned(ILogger logger, string service, string pod);

        [LoggerMessage(6, LogLevel.Warning, "Service {Service}: primary moved from {From} to {To}")]
        public static partial void PrimaryChanged(ILogger logger, string service, string from, string to);
    }
}
