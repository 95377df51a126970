using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.LoadBalancing;

internal static class LoadBalancingPolicyFactory
{
    public static ILoadBalancingPolicy Create(LoadBalancingMode mode) => mode switch
    {
        LoadBalancingMode.RoundRobin => new RoundRobinPolicy(),
        LoadBalancingMode.LeastRequests => new LeastRequestsPolicy(),
        LoadBalancingMode.PowerOfTwoChoices => new PowerOfTwoChoicesPolicy(),
        LoadBalancingMode.LowestOrdinal => new LowestOrdinalPolicy(),
        LoadBalancingMode.ConsistentHash => new ConsistentHashPolicy(),
        _ => new PeakEwmaPolicy(),
    };
}
