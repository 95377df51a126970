using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// The current snapshot of one service. Readers take <see cref="Current"/> without locking; the watcher
/// publishes a whole new snapshot, which fires the previous change token and <see cref="Changed"/>.
/// </summary>
public sealed class ServiceEndpoints : IDisposable
{
    private readonly Lock _publishLock = new();
    private ServiceSnapshot _current;
    private CancellationTokenSource _changeSource = new();

    public ServiceEndpoints(string service, string host)
    {
        _current = ServiceSnapshot.Initial(service, host);
    }

    public string Service => _current.Service;

    public ServiceSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Raised after each publish, with the pod-level diff (empty when only status changed).</summary>
    public event Action<ServiceSnapshot, SnapshotDiff>? Changed;

    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changeSource).Token);

    public SnapshotDiff Publish(ServiceSnapshot next)
    {
        SnapshotDiff diff;
        CancellationTokenSource fired;
        lock (_publishLock)
        {
            var previous = _current;
            diff = SnapshotDiff.Compute(previous.Pods, next.Pods);
            Volatile.Write(ref _current, next);
            fired = _changeSource;
            _changeSource = new CancellationTokenSource();
        }
        fired.Cancel();
        fired.Dispose();
        Changed?.Invoke(next, diff);
        return diff;
    }

    public void Dispose()
    {
        lock (_publishLock)
        {
            _changeSource.Dispose();
        }
    }
}
