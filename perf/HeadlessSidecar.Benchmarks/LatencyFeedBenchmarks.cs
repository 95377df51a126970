using BenchmarkDotNet.Attributes;
using HeadlessSidecar.LoadBalancing;

namespace HeadlessSidecar.Benchmarks;

/// <summary>
/// The latency feed every attempt pays whatever the policy (<see cref="PodLatency.Observe"/> when the response
/// headers arrive), and the cost <c>PeakEwma</c> reads twice per pick.
/// </summary>
[MemoryDiagnoser]
public class LatencyFeedBenchmarks
{
    private readonly PodLatency _latency = new(TimeProvider.System);

    [GlobalSetup]
    public void Setup() => _latency.Observe(_latency.Now() - 10_000);

    [Benchmark]
    public void Observe() => _latency.Observe(_latency.Now() - 10_000);

    [Benchmark]
    public double Cost() => _latency.Cost(2);
}
