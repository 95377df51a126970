using BenchmarkDotNet.Attributes;
using HeadlessSidecar.Failover;

namespace HeadlessSidecar.Benchmarks;

/// <summary>The retry budget on the request path: one count per app request, one acquisition per retry.</summary>
[MemoryDiagnoser]
public class RetryBudgetBenchmarks
{
    private RetryBudget _budget = null!;
    private RetryBudget _exhausted = null!;

    [GlobalSetup]
    public void Setup()
    {
        _budget = new RetryBudget(100, TimeProvider.System, TimeSpan.FromSeconds(10), 10, int.MaxValue);
        _exhausted = new RetryBudget(0, TimeProvider.System, TimeSpan.FromSeconds(10), 10, 0);
    }

    [Benchmark]
    public void RecordRequest() => _budget.RecordRequest();

    [Benchmark]
    public bool TryAcquireRetry() => _budget.TryAcquireRetry();

    [Benchmark]
    public bool TryAcquireRetryRefused() => _exhausted.TryAcquireRetry();
}
