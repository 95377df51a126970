namespace HeadlessSidecar.Discovery;

/// <summary>Immutable view of a service's pods at one moment. Replaced whole, never mutated.</summary>
public sealed class ServiceSnapshot
{
    public static ServiceSnapshot Initial(string service, string host) =>
        new(service, host, [], ResolutionResult.Pending, lastResolvedAt: null, stale: false, error: null, version: 0);

    public ServiceSnapshot(string service, string host, IReadOnlyList<PodEndpoint> pods, ResolutionResult lastResult,
        DateTimeOffset? lastResolvedAt, bool stale, string? error, long version)
    {
        Service = service;
        Host = host;
        Pods = pods;
        LastResult = lastResult;
        LastResolvedAt = lastResolvedAt;
        Stale = stale;
        Error = error;
        Version = version;
        var byName = new Dictionary<string, PodEndpoint>(pods.Count, StringComparer.OrdinalIgnoreCase);
        var byOrdinal = new Dictionary<int, PodEndpoint>(pods.Count);
        foreach (var pod in pods)
        {
            byName.TryAdd(pod.Name, pod);
            if (pod.Ordinal is int ordinal)
            {
                byOrdinal.TryAdd(ordinal, pod);
            }
        }
        ByName = byName;
        ByOrdinal = byOrdinal;
    }

    public string Service { get; }
    /// <summary>The fully qualified name that was resolved (after search-list expansion).</summary>
    public string Host { get; }
    /// <summary>Pods sorted by ordinal, then name.</summary>
    public IReadOnlyList<PodEndpoint> Pods { get; }
    public IReadOnlyDictionary<string, PodEndpoint> ByName { get; }
    public IReadOnlyDictionary<int, PodEndpoint> ByOrdinal { get; }
    public ResolutionResult LastResult { get; }
    /// <summary>When DNS last answered (pods, NXDOMAIN or empty); errors leave it unchanged.</summary>
    public DateTimeOffset? LastResolvedAt { get; }
    /// <summary>True while DNS fails and the last known good set is served.</summary>
    public bool Stale { get; }
    public string? Error { get; }
    /// <summary>Grows by one with each published snapshot.</summary>
    public long Version { get; }
    /// <summary>A resolution has finished with an answer (pods found, NXDOMAIN or empty): the service is ready.</summary>
    public bool Ready => LastResolvedAt is not null;
}
