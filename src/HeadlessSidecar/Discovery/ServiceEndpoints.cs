namespace HeadlessSidecar.Discovery;

/// <summary>
/// The current snapshot of one service. Readers take <see cref="Current"/> without locking; the watcher
/// publishes a whole new snapshot, which raises <see cref="Changed"/> with the pod-level diff.
/// </summary>
public sealed class ServiceEndpoints
{
    private readonly Lock _publishLock = new();
    private ServiceSnapshot _current;

    public ServiceEndpoints(string service, string host)
    {
        _current = ServiceSnapshot.Initial(service, host);
    }

    public string Service => _current.Service;

    public ServiceSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Raised after each publish, with the pod-level diff (empty when only status changed).</summary>
    public event Action<ServiceSnapshot, SnapshotDiff>? Changed;

    public SnapshotDiff Publish(ServiceSnapshot next)
    {
        SnapshotDiff diff;
        lock (_publishLock)
        {
            diff = SnapshotDiff.Compute(_current.Pods, next.Pods);
            Volatile.Write(ref _current, next);
        }
        Changed?.Invoke(next, diff);
        return diff;
    }
}
