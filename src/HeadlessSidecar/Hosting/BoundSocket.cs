using System.Net;
using Microsoft.AspNetCore.Connections;

namespace HeadlessSidecar.Hosting;

/// <summary>One real listening socket of a group, bound by Kestrel's socket transport, and its accept loop.</summary>
internal sealed class BoundSocket(IConnectionListener listener, IPEndPoint endPoint)
{
    public IConnectionListener Listener { get; } = listener;

    /// <summary>The bound address with its real port.</summary>
    public IPEndPoint EndPoint { get; } = endPoint;

    public Task AcceptLoop { get; set; } = Task.CompletedTask;
}
