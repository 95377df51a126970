using System.Diagnostics;
using System.Diagnostics.Metrics;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Metrics;

/// <summary>The raw TCP proxy's instruments (contract section 7), for <c>Protocol: Tcp</c> services only.</summary>
internal sealed class TcpMetrics
{
    public const string ConnectionsName = "headless_sidecar.tcp.connections";
    public const string ActiveConnectionsName = "headless_sidecar.tcp.active_connections";
    public const string ConnectionDurationName = "headless_sidecar.tcp.connection.duration";
    public const string BytesName = "headless_sidecar.tcp.bytes";

    private readonly Counter<long> _connections;
    private readonly UpDownCounter<long> _active;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _bytes;

    public TcpMetrics(IMeterFactory meterFactory, SidecarMeter sidecarMeter, ServiceRuntimeRegistry registry)
        : this(meterFactory, sidecarMeter)
    {
        foreach (var service in registry.Services.Values)
        {
            Watch(service);
        }
        registry.Swapped += (added, removed) =>
        {
            foreach (var service in removed)
            {
                service.PodsAdded -= OnPodsAdded;
            }
            foreach (var service in added)
            {
                Watch(service);
            }
        };
    }

    private void Watch(ServiceRuntime service)
    {
        if (service.Options.Protocol == ServiceProtocol.Tcp)
        {
            service.PodsAdded += OnPodsAdded;
            OnPodsAdded(service, service.Table.Pods);
        }
    }

    /// <summary>Instruments only, with no pods exported ahead of traffic.</summary>
    public TcpMetrics(IMeterFactory meterFactory, SidecarMeter sidecarMeter)
    {
        var meter = meterFactory.Create(sidecarMeter.Name);
        _connections = meter.CreateCounter<long>(ConnectionsName, description: "App connections proxied to a pod (counted once connected upstream).");
        _active = meter.CreateUpDownCounter<long>(ActiveConnectionsName, description: "Open proxied TCP sessions per pod.");
        _duration = meter.CreateHistogram<double>(ConnectionDurationName, unit: "s", description: "Proxied TCP session duration.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ProxyMetrics.DurationBuckets });
        _bytes = meter.CreateCounter<long>(BytesName, description: "Bytes proxied: upstream = app to pod, downstream = pod to app.");
    }

    private void OnPodsAdded(ServiceRuntime service, IReadOnlyList<PodState> pods)
    {
        foreach (var pod in pods)
        {
            PodKnown(service.Name, pod.Name);
        }
    }

    /// <summary>Exports the pod's zero-valued series as soon as it is discovered.</summary>
    public void PodKnown(string service, string pod)
    {
        var tags = new TagList { { "service", service }, { "pod", pod } };
        _connections.Add(0, tags);
        _active.Add(0, tags);
        Bytes(service, pod, upstream: 0, downstream: 0, force: true);
    }

    public void SessionStarted(string service, string pod)
    {
        var tags = new TagList { { "service", service }, { "pod", pod } };
        _connections.Add(1, tags);
        _active.Add(1, tags);
    }

    public void SessionEnded(string service, string pod, TimeSpan duration)
    {
        var tags = new TagList { { "service", service }, { "pod", pod } };
        _active.Add(-1, tags);
        if (_duration.Enabled)
        {
            _duration.Record(duration.TotalSeconds, tags);
        }
    }

    public void Bytes(string service, string pod, long upstream, long downstream, bool force = false)
    {
        if (!_bytes.Enabled)
        {
            return;
        }
        if (upstream > 0 || force)
        {
            _bytes.Add(upstream, new TagList { { "service", service }, { "pod", pod }, { "direction", "upstream" } });
        }
        if (downstream > 0 || force)
        {
            _bytes.Add(downstream, new TagList { { "service", service }, { "pod", pod }, { "direction", "downstream" } });
        }
    }
}
