using System.Collections.Frozen;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Connections;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Metrics;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Runtime;

/// <summary>One <see cref="ServiceRuntime"/> per configured service.</summary>
internal sealed class ServiceRuntimeRegistry : IDisposable
{
    public ServiceRuntimeRegistry(SidecarOptions options, EndpointRegistry endpoints, ProxyMetrics metrics, TimeProvider time, ILoggerFactory loggerFactory,
        PodConnectionPoolFactory? pools = null)
    {
        var logger = loggerFactory.CreateLogger<ServiceRuntime>();
        Services = options.Services.ToFrozenDictionary(s => s.Name, s => new ServiceRuntime(s, endpoints[s.Name], metrics, time, logger, pools), StringComparer.Ordinal);
    }

    public FrozenDictionary<string, ServiceRuntime> Services { get; }

    public void Dispose()
    {
        foreach (var service in Services.Values)
        {
            service.Dispose();
        }
    }
}
