using System.Net;
using BenchmarkDotNet.Attributes;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Routing;
using HeadlessSidecar.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.Benchmarks;

/// <summary>The routing decision of one request (contract section 3) over a service of three pods.</summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private static readonly StringValues NoHeader = StringValues.Empty;
    private static readonly StringValues OrdinalOne = new("1");

    private ServiceRuntime _web = null!;
    private ServiceRuntime[] _shared = null!;
    private ListenerMap _listeners = null!;
    private ServiceRuntimeRegistry _registry = null!;
    private IPAddress _loopback = null!;
    private IPAddress _mappedLoopback = null!;

    [GlobalSetup]
    public void Setup()
    {
        _web = TestBed.Service(3);
        _shared = [TestBed.Service(3, name: "db", host: "mysql-headless", fqdn: "mysql-headless.default.svc.cluster.local"), _web];

        var options = new SidecarOptions { Services = [TestBed.Options("web"), TestBed.Options("db", "mysql-headless", 18002)] };
        var endpoints = new EndpointRegistry(options);
        _registry = new ServiceRuntimeRegistry(options, endpoints, TestBed.Metrics, TimeProvider.System, NullLoggerFactory.Instance);
        _listeners = new ListenerMap(_registry);
        _loopback = IPAddress.Loopback;
        _mappedLoopback = IPAddress.Loopback.MapToIPv6();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _web.Dispose();
        _shared[0].Dispose();
        _registry.Dispose();
    }

    [Benchmark]
    public object? OrdinalHeader() => RouteResolver.Resolve(_web, OrdinalOne, "nginx-headless:8080", null).Pod;

    [Benchmark]
    public object? HostShort() => RouteResolver.Resolve(_web, NoHeader, "web-1.nginx-headless", null).Pod;

    [Benchmark]
    public object? HostFqdnWithPort() => RouteResolver.Resolve(_web, NoHeader, "web-1.nginx-headless.default.svc.cluster.local:8080", null).Pod;

    [Benchmark]
    public object? HostBarePod() => RouteResolver.Resolve(_web, NoHeader, "web-1", null).Pod;

    [Benchmark]
    public object? PortOrdinal() => RouteResolver.Resolve(_web, NoHeader, "localhost:18101", 1).Pod;

    [Benchmark]
    public object? NoPinBalanced() => RouteResolver.Resolve(_web, NoHeader, "nginx-headless:8080", null).Pod;

    [Benchmark]
    public object? SelectServiceShared() => RouteResolver.SelectService(_shared, "web-2.nginx-headless.default:8080");

    [Benchmark]
    public object? ListenerFindIPv4() => _listeners.Find(_loopback, 18001);

    [Benchmark]
    public object? ListenerFindMappedIPv6() => _listeners.Find(_mappedLoopback, 18002);

    /// <summary>The transformer's check on every forwarded request: did the app address the sidecar itself?</summary>
    [Benchmark]
    public bool HostIsLoopbackAddress() => HostName.IsLoopback(HostName.Get("127.0.0.1:18001"));

    [Benchmark]
    public bool HostIsLoopbackServiceName() => HostName.IsLoopback(HostName.Get("nginx-headless:8080"));

    [Benchmark]
    public int HostNameGet() => HostName.Get("web-1.nginx-headless.default.svc.cluster.local.:8080").Length;
}
