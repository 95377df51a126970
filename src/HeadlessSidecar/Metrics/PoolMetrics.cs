using System.Diagnostics.Metrics;
using HeadlessSidecar.Health;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Metrics;

/// <summary>Gauges read from the live pod tables at scrape time: departed pods simply stop being reported.</summary>
internal sealed class PoolMetrics
{
    public PoolMetrics(IMeterFactory meterFactory, SidecarMeter sidecarMeter, ServiceRuntimeRegistry registry)
    {
        var meter = meterFactory.Create(sidecarMeter.Name);
        meter.CreateObservableGauge("headless_sidecar.endpoints", () => ObserveEndpoints(registry),
            description: "Discovered pods per service, by health state.");
        meter.CreateObservableGauge("headless_sidecar.upstream_connections", () => ObserveConnections(registry),
            description: "Open pooled upstream connections per pod.");
        meter.CreateObservableGauge("headless_sidecar.pod_role", () => ObserveRoles(registry),
            description: "1 for each pod in its current role (primary or replica), as its protocol probe saw it.");
    }

    private static IEnumerable<Measurement<int>> ObserveEndpoints(ServiceRuntimeRegistry registry)
    {
        foreach (var service in registry.Services.Values)
        {
            var pods = service.Table.Pods;
            var ejected = PanicGuard.CountEjected<PodState>(pods, static p => p.Health);
            var healthy = pods.Length - ejected;
            yield return new Measurement<int>(healthy, new("service", service.Name), new("state", "healthy"));
            yield return new Measurement<int>(ejected, new("service", service.Name), new("state", "ejected"));
        }
    }

    private static IEnumerable<Measurement<int>> ObserveRoles(ServiceRuntimeRegistry registry)
    {
        foreach (var service in registry.Services.Values)
        {
            foreach (var pod in service.Table.Pods)
            {
                if (pod.Role != Health.Probes.PodRole.Unknown)
                {
                    yield return new Measurement<int>(1, new("service", service.Name), new("pod", pod.Name),
                        new("role", pod.Role == Health.Probes.PodRole.Primary ? "primary" : "replica"));
                }
            }
        }
    }

    private static IEnumerable<Measurement<int>> ObserveConnections(ServiceRuntimeRegistry registry)
    {
        foreach (var service in registry.Services.Values)
        {
            foreach (var pod in service.Table.Pods)
            {
                yield return new Measurement<int>(pod.Pool.OpenConnections, new("service", service.Name), new("pod", pod.Name));
            }
        }
    }
}
