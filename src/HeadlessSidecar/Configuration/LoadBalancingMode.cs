namespace HeadlessSidecar.Configuration;

public enum LoadBalancingMode
{
    RoundRobin,
    LeastRequests,
    PowerOfTwoChoices,
    ConsistentHash,
    LowestOrdinal,

    /// <summary>The default: power of two choices on latency × open requests (<c>LoadBalancing/PeakEwmaPolicy</c>).</summary>
    PeakEwma,
}
