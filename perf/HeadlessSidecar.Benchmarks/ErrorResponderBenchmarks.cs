using BenchmarkDotNet.Attributes;
using HeadlessSidecar.Forwarding;
using HeadlessSidecar.Routing;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Benchmarks;

/// <summary>
/// The contract's JSON error answer written to a reused <see cref="DefaultHttpContext"/> whose body goes nowhere:
/// what is measured is our status, headers and JSON writing, not a server's response pipeline.
/// </summary>
[MemoryDiagnoser]
public class ErrorResponderBenchmarks
{
    private const string Detail = "ordinal 7 of service 'web' is not among its discovered pods";
    private const string EscapedDetail = "X-Headless-Ordinal must be a non-negative integer, got '\"7\\\"'";

    private DefaultHttpContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        _context = new DefaultHttpContext();
        _context.Response.Body = Stream.Null;
        // The body writer is created on first use; make that happen outside the measurement.
        ErrorResponder.WriteAsync(_context, ProxyError.PodUnavailable, Detail).GetAwaiter().GetResult();
    }

    [Benchmark]
    public Task PodUnavailable() => ErrorResponder.WriteAsync(_context, ProxyError.PodUnavailable, Detail);

    [Benchmark]
    public Task BadOrdinalEscaped() => ErrorResponder.WriteAsync(_context, ProxyError.BadOrdinal, EscapedDetail);
}
