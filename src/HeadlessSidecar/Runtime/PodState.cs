using HeadlessSidecar.Connections;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Runtime;

/// <summary>
/// A discovered pod at one address, with what the proxy tracks about it. Its identity is name + address:
/// when a pod comes back at a new IP it gets a new <see cref="PodState"/> (and pool), so nothing of the old
/// address keeps serving.
/// </summary>
internal sealed class PodState : IDisposable
{
    private int _activeRequests;

    public PodState(PodEndpoint endpoint, PodConnectionPool pool)
    {
        Endpoint = endpoint;
        Pool = pool;
    }

    public PodEndpoint Endpoint { get; }

    public string Name => Endpoint.Name;

    public int? Ordinal => Endpoint.Ordinal;

    public PodConnectionPool Pool { get; }

    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    /// <summary>Set once the pod left the set (or moved): it gets no new requests.</summary>
    public bool Removed { get; private set; }

    public void RequestStarted() => Interlocked.Increment(ref _activeRequests);

    public void RequestEnded() => Interlocked.Decrement(ref _activeRequests);

    /// <summary>Whether balanced traffic may go here now (health comes with failover).</summary>
    public bool IsUsable => !Removed;

    public void MarkRemoved() => Removed = true;

    public void Dispose()
    {
        Removed = true;
        Pool.Dispose();
    }
}
