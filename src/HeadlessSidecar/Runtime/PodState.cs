using HeadlessSidecar.Connections;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Health;
using HeadlessSidecar.Health.Probes;
using HeadlessSidecar.LoadBalancing;

namespace HeadlessSidecar.Runtime;

/// <summary>
/// A discovered pod at one address, with what the proxy tracks about it. Its identity is name + address:
/// when a pod comes back at a new IP it gets a new <see cref="PodState"/> (pool and health), so nothing of the
/// old address keeps serving.
/// </summary>
internal sealed class PodState : IDisposable
{
    private readonly CancellationTokenSource _gone = new();
    private int _activeRequests;
    private volatile bool _removed;
    private int _role;

    public PodState(PodEndpoint endpoint, PodConnectionPool pool, PodHealth health, DateTimeOffset discoveredAt, PodLatency latency)
    {
        Endpoint = endpoint;
        Pool = pool;
        Health = health;
        DiscoveredAt = discoveredAt;
        Latency = latency;
    }

    public PodEndpoint Endpoint { get; }

    public string Name => Endpoint.Name;

    public int? Ordinal => Endpoint.Ordinal;

    public PodConnectionPool Pool { get; }

    public PodHealth Health { get; }

    /// <summary>Its response latency as both forwarders and the TCP connect path measure it (<c>PeakEwma</c> ranks by it).</summary>
    public PodLatency Latency { get; }

    /// <summary>When discovery first listed the pod at this address (slow start ramps from here).</summary>
    public DateTimeOffset DiscoveredAt { get; }

    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    /// <summary>The role its last protocol probe saw (Redis ROLE, MySQL @@read_only, ZooKeeper srvr), else Unknown.</summary>
    public PodRole Role
    {
        get => (PodRole)Volatile.Read(ref _role);
        set => Volatile.Write(ref _role, (int)value);
    }

    /// <summary>Set once the pod left the set (or moved): it gets no new requests.</summary>
    public bool Removed => _removed;

    /// <summary>Whether traffic may go here now: discovered and not ejected.</summary>
    public bool IsUsable => !_removed && !Health.IsEjected;

    /// <summary>Cancelled once the pod has left the set (or moved) and its state was disposed: TCP sessions to it
    /// start their <c>Tcp:RemovedPodGrace</c> here.</summary>
    public CancellationToken Gone => _gone.Token;

    public void RequestStarted() => Interlocked.Increment(ref _activeRequests);

    public void RequestEnded() => Interlocked.Decrement(ref _activeRequests);

    public void MarkRemoved() => _removed = true;

    /// <summary>Share of balanced traffic during <c>SlowStart</c>: 0→1 over the window after discovery or return.</summary>
    public double SlowStartFactor(TimeSpan slowStart, DateTimeOffset now)
    {
        if (slowStart <= TimeSpan.Zero)
        {
            return 1;
        }
        var since = Health.ReturnedAt is { } returned && returned > DiscoveredAt ? returned : DiscoveredAt;
        var elapsed = now - since;
        return elapsed >= slowStart ? 1 : Math.Max(elapsed / slowStart, 0.05);
    }

    public void Dispose()
    {
        _removed = true;
        Pool.Dispose();
        // Not disposed: sessions may still register on the token after the pod left.
        _gone.Cancel();
    }
}
