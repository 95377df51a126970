using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Tls;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Connections;

/// <summary>
/// The one place a pod's pool is made, with its service's TLS connector when <c>Tls</c> is on. A configuration
/// reload that changes a service's <c>Tls</c> builds its new pools here and gets a connector for the new settings.
/// </summary>
internal sealed class PodConnectionPoolFactory(TlsConnectors tls, TlsMetrics? metrics = null)
{
    /// <summary>Plaintext pools only: for tests and tools that build runtimes by hand.</summary>
    public static PodConnectionPoolFactory Plaintext { get; } = new(TlsConnectors.None);

    public TlsConnectors Tls => tls;

    public PodConnectionPool Create(PodEndpoint pod, ServiceOptions options, ILogger logger, TimeProvider time)
    {
        var connector = tls.For(options);
        if (connector is not null)
        {
            metrics?.PodKnown(options.Name, pod.Name);
        }
        return new PodConnectionPool(pod, options, logger, time, connector);
    }
}
