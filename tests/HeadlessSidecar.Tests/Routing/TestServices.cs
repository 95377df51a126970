using System.Diagnostics.Metrics;
using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeadlessSidecar.Tests.Routing;

/// <summary>Builds a <see cref="ServiceRuntime"/> over a published snapshot, without DNS or sockets.</summary>
internal static class TestServices
{
    private static readonly IMeterFactory MeterFactory = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static ProxyMetrics Metrics { get; } = new(MeterFactory);

    public static ServiceOptions Options(string name = "web", string host = "nginx-headless") => new()
    {
        Name = name,
        Host = host,
        PortName = "web",
        Listen = new IPEndPoint(IPAddress.Loopback, 18001),
    };

    public static PodEndpoint Pod(string name, int? ordinal, string address, string fqdnSuffix = "nginx-headless.default.svc.cluster.local") =>
        new(name, ordinal, IPAddress.Parse(address), 80, $"{name}.{fqdnSuffix}");

    public static (ServiceRuntime Runtime, ServiceEndpoints Endpoints) Create(ServiceOptions options, string fqdn, params PodEndpoint[] pods) => Create(options, fqdn, null, pods);

    public static (ServiceRuntime Runtime, ServiceEndpoints Endpoints) Create(ServiceOptions options, string fqdn, TimeProvider? time, params PodEndpoint[] pods)
    {
        var endpoints = new ServiceEndpoints(options.Name, options.Host);
        endpoints.Publish(Snapshot(options.Name, fqdn, pods, 1));
        return (new ServiceRuntime(options, endpoints, Metrics, time ?? TimeProvider.System, NullLogger.Instance), endpoints);
    }

    public static ServiceSnapshot Snapshot(string service, string fqdn, PodEndpoint[] pods, long version) =>
        new(service, fqdn, pods, pods.Length == 0 ? ResolutionResult.Empty : ResolutionResult.Success, DateTimeOffset.UnixEpoch, stale: false, error: null, version);

    public static ServiceRuntime Web(params int[] ordinals) =>
        Create(Options(), "nginx-headless.default.svc.cluster.local",
            ordinals.Select(o => Pod($"web-{o}", o, $"127.0.0.{21 + o}")).ToArray()).Runtime;
}
