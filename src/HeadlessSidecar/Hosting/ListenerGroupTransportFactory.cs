using System.Net;
using Microsoft.AspNetCore.Connections;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// Kestrel's transport for <see cref="ListenerGroupEndPoint"/>s. As an <see cref="IConnectionListenerFactorySelector"/>
/// it is picked only for those; Kestrel keeps its socket transport for every other endpoint.
/// </summary>
internal sealed class ListenerGroupTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is ListenerGroupEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not ListenerGroupEndPoint groupEndPoint)
        {
            throw new NotSupportedException($"{nameof(ListenerGroupTransportFactory)} binds only {nameof(ListenerGroupEndPoint)}s, not {endpoint}.");
        }

        return ValueTask.FromResult(groupEndPoint.Group.BindRole(groupEndPoint));
    }
}
