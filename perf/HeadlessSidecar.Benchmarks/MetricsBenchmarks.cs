using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using HeadlessSidecar.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace HeadlessSidecar.Benchmarks;

/// <summary>
/// Request-path metrics recorded through OpenTelemetry's aggregation, wired as the host wires it (a view with
/// the cardinality limits, the Prometheus exporter), with series for 3 pods already present.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private static readonly TimeSpan Duration = TimeSpan.FromMilliseconds(1.7);

    private ServiceProvider _provider = null!;
    private ProxyMetrics _metrics = null!;

    [GlobalSetup]
    public void Setup()
    {
        var meter = new SidecarMeter("HeadlessSidecar.Benchmarks.Metrics");
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddSingleton(meter);
        services.AddSingleton<ProxyMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(meter.Name)
            .AddView(instrument => instrument.Meter.Name == meter.Name
                ? new MetricStreamConfiguration { CardinalityLimit = MetricLimits.CardinalityLimit(instrument.Name) }
                : null)
            .AddPrometheusExporter(o =>
            {
                o.ScrapeResponseCacheDurationMilliseconds = 0;
                o.ScopeInfoEnabled = false;
            }));
        _provider = services.BuildServiceProvider();
        _provider.GetRequiredService<MeterProvider>();
        _metrics = _provider.GetRequiredService<ProxyMetrics>();
        _metrics.ServiceKnown("web");
        for (var i = 0; i < 3; i++)
        {
            var pod = "web-" + i;
            _metrics.PodKnown("web", pod);
            _metrics.RequestCompleted("web", pod, 200, Duration);
            _metrics.RequestCompleted("web", pod, 503, Duration);
            _metrics.Failover("web", pod, "web-" + (i + 1) % 3, "connect_error");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    [Benchmark]
    public void RequestCompleted200() => _metrics.RequestCompleted("web", "web-1", 200, Duration);

    [Benchmark]
    public void RequestCompleted503() => _metrics.RequestCompleted("web", "web-2", 503, Duration);

    [Benchmark]
    public void Failover() => _metrics.Failover("web", "web-0", "web-1", "connect_error");

    [Benchmark]
    public void RetryBudgetExhausted() => _metrics.RetryBudgetExhausted("web");

    [Benchmark]
    public void Ejected() => _metrics.Ejected("web", "web-2");
}
