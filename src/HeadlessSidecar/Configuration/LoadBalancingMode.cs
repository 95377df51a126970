namespace HeadlessSidecar.Configuration;

public enum LoadBalancingMode
{
    RoundRobin,
    LeastRequests,
    PowerOfTwoChoices,
    ConsistentHash,
    LowestOrdinal,
}
