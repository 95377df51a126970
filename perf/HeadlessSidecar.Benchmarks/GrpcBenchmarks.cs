using BenchmarkDotNet.Attributes;
using HeadlessSidecar.Forwarding;
using HeadlessSidecar.Forwarding.Grpc;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Benchmarks;

/// <summary>
/// The sidecar's own per-call work on the gRPC path (h2c to h2c pods through YARP): recognising a call, reading its
/// deadline, and the pod's cached request URI (the uncached build, what YARP does per request, for comparison).
/// </summary>
[MemoryDiagnoser]
public class GrpcBenchmarks
{
    private const string Method = "/bench.Pods/Echo";
    private HttpRequest _grpc = null!;
    private HttpRequest _plain = null!;
    private RequestUriCache _uris = null!;

    [GlobalSetup]
    public void Setup()
    {
        var grpc = new DefaultHttpContext();
        grpc.Request.Method = HttpMethods.Post;
        grpc.Request.Path = Method;
        grpc.Request.ContentType = "application/grpc";
        grpc.Request.Headers[GrpcRequest.TimeoutHeader] = "250m";
        _grpc = grpc.Request;
        var plain = new DefaultHttpContext();
        plain.Request.Method = HttpMethods.Get;
        plain.Request.Path = "/";
        _plain = plain.Request;
        _uris = new RequestUriCache("http://10.0.0.7:50051");
        _uris.Get(Method);
    }

    [Benchmark]
    public bool IsGrpc() => GrpcRequest.IsGrpc(_grpc);

    [Benchmark]
    public bool IsGrpcPlainRequest() => GrpcRequest.IsGrpc(_plain);

    [Benchmark]
    public TimeSpan ParseDeadline() => GrpcRequest.TryParseTimeout("250m", out var timeout) ? timeout : default;

    [Benchmark]
    public Uri RequestUriCached() => _uris.Get(Method);

    [Benchmark(Baseline = true)]
    public Uri RequestUriBuiltPerRequest() =>
        Yarp.ReverseProxy.Forwarder.RequestUtilities.MakeDestinationAddress("http://10.0.0.7:50051", new PathString(Method), QueryString.Empty);
}
