using Microsoft.Extensions.Hosting;

namespace HeadlessSidecar.Demo;

/// <summary>
/// Replaces the console lifetime in a pod's host: a pod stops when the demo disposes it (or scales it away),
/// and Ctrl+C belongs to the demo command's own host, which then stops the pods in order.
/// </summary>
internal sealed class DemoPodHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
