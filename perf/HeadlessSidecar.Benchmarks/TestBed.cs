using System.Diagnostics.Metrics;
using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeadlessSidecar.Benchmarks;

/// <summary>
/// Services over a published snapshot, built the way the unit tests build them: no DNS, no sockets, metrics
/// recorded on a meter nobody listens to (the metrics benchmarks wire OpenTelemetry themselves).
/// </summary>
internal static class TestBed
{
    public const string Host = "nginx-headless";
    public const string Fqdn = "nginx-headless.default.svc.cluster.local";

    private static readonly IMeterFactory MeterFactory = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static ProxyMetrics Metrics { get; } = new(MeterFactory, new SidecarMeter("HeadlessSidecar.Benchmarks.Unobserved"));

    public static ServiceOptions Options(string name = "web", string host = Host, int port = 18001) => new()
    {
        Name = name,
        Host = host,
        PortName = "web",
        Listen = new IPEndPoint(IPAddress.Loopback, port),
    };

    public static ServiceRuntime Service(int pods, Action<ServiceOptions>? configure = null, string name = "web", string host = Host, string fqdn = Fqdn)
    {
        var options = Options(name, host);
        configure?.Invoke(options);
        var endpoints = new ServiceEndpoints(options.Name, options.Host);
        var podEndpoints = Enumerable.Range(0, pods)
            .Select(i => new PodEndpoint($"{name}-{i}", i, new IPAddress([10, 0, (byte)(i / 250), (byte)(1 + i % 250)]), 80, $"{name}-{i}.{fqdn}"))
            .ToArray();
        endpoints.Publish(new ServiceSnapshot(options.Name, fqdn, podEndpoints, ResolutionResult.Success, DateTimeOffset.UnixEpoch,
            stale: false, error: null, version: 1));
        return new ServiceRuntime(options, endpoints, Metrics, TimeProvider.System, NullLogger.Instance);
    }
}
