using HeadlessSidecar.Configuration;
using HeadlessSidecar.Connections;
using HeadlessSidecar.Discovery;
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
    private readonly Lock _updateLock = new();
    private PodTable _table = PodTable.Empty;
    private ServiceNameSet _names;
    private string? _namesFqdn;

    public ServiceRuntime(ServiceOptions options, ServiceEndpoints endpoints, ProxyMetrics metrics, ILogger logger)
    {
        Options = options;
        _endpoints = endpoints;
        _metrics = metrics;
        _logger = logger;
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
                    pods[i] = new PodState(endpoint, new PodConnectionPool(endpoint, Options, _logger));
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
            if (added.Count == 0 && removed.Count == 0)
            {
                return;
            }
            Volatile.Write(ref _table, new PodTable(pods));
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
    }
}
