using BenchmarkDotNet.Attributes;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Benchmarks;

/// <summary>
/// <see cref="ServiceRuntime.PickBalanced(IReadOnlyList{PodState}?, string?)"/> per policy: a first attempt
/// (nothing tried) and a retry (one pod tried, as the proxy handler passes it), over 3 and 100 pods.
/// </summary>
[MemoryDiagnoser]
public class BalancingBenchmarks
{
    private ServiceRuntime _service = null!;
    private List<PodState> _none = null!;
    private List<PodState> _oneTried = null!;

    [Params(LoadBalancingMode.PeakEwma, LoadBalancingMode.RoundRobin, LoadBalancingMode.LeastRequests, LoadBalancingMode.PowerOfTwoChoices,
        LoadBalancingMode.LowestOrdinal, LoadBalancingMode.ConsistentHash)]
    public LoadBalancingMode Policy { get; set; }

    [Params(3, 100)]
    public int Pods { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _service = TestBed.Service(Pods, o =>
        {
            o.LoadBalancing = Policy;
            o.HashHeader = Policy == LoadBalancingMode.ConsistentHash ? "X-Tenant" : null;
        });
        // Every pod answered once, each at its own latency: PeakEwma compares real estimates, not the unsampled zero.
        var pods = _service.Table.Pods;
        for (var i = 0; i < pods.Length; i++)
        {
            pods[i].Latency.Observe(pods[i].Latency.Now() - (i + 1) * 10_000);
        }
        _none = new List<PodState>(3);
        _oneTried = new List<PodState>(3) { _service.Table.Pods[1] };
    }

    [GlobalCleanup]
    public void Cleanup() => _service.Dispose();

    private string? HashKey => Policy == LoadBalancingMode.ConsistentHash ? "tenant-42" : null;

    [Benchmark]
    public object? FirstAttempt() => _service.PickBalanced(_none, HashKey);

    [Benchmark]
    public object? Retry() => _service.PickBalanced(_oneTried, HashKey);

    [Benchmark]
    public bool HasUntriedCandidate() => _service.HasUntriedCandidate(_oneTried);
}
