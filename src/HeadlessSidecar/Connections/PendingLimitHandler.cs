namespace HeadlessSidecar.Connections;

/// <summary>
/// <c>Limits:MaxPendingPerPod</c> on YARP's path to an HTTP/1.1 pod: each request holds one of the pod's
/// <c>Pool:MaxConnectionsPerPod</c> connections, so requests beyond that many wait in the handler's queue, and no
/// more than <c>MaxPending</c> may.
/// </summary>
internal sealed class PendingLimitHandler(HttpMessageHandler inner, int maxConnections, int maxPending, string pod) : DelegatingHandler(inner)
{
    private int _active;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _active) > maxConnections + maxPending)
        {
            Interlocked.Decrement(ref _active);
            throw PodConnectionPool.Overloaded(pod, maxConnections, maxPending);
        }
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }
}
