using HeadlessSidecar.Configuration;
using HeadlessSidecar.Failover;
using HeadlessSidecar.Health;
using HeadlessSidecar.Health.Probes;
using HeadlessSidecar.LoadBalancing;

namespace HeadlessSidecar.Runtime;

/// <summary>
/// A service's options with what is built from them, one immutable snapshot: a reload swaps it whole, so a request
/// never sees the policy of one configuration with the options of another.
/// </summary>
internal sealed record ServiceSettings(ServiceOptions Options, ILoadBalancingPolicy Policy, RetryBudget Budget, PodRole? WantedRole,
    bool HasActiveHealth, HealthSettings Health)
{
    public static ServiceSettings Create(ServiceOptions options, TimeProvider time) => new(
        options,
        LoadBalancingPolicyFactory.Create(options.LoadBalancing),
        new RetryBudget(options.Retry.BudgetPercent, time),
        WantedRoleOf(options),
        ServiceRuntime.ActiveCheck(options) is not null,
        HealthSettings.From(options.Health));

    /// <summary>
    /// The settings after a reload: the policy is kept unless <c>LoadBalancing</c> or <c>HashHeader</c> changed (a
    /// round-robin keeps its place), the retry budget unless its percentage changed (its window keeps counting).
    /// </summary>
    public ServiceSettings With(ServiceOptions next, TimeProvider time) => new(
        next,
        next.LoadBalancing == Options.LoadBalancing && string.Equals(next.HashHeader, Options.HashHeader, StringComparison.OrdinalIgnoreCase)
            ? Policy
            : LoadBalancingPolicyFactory.Create(next.LoadBalancing),
        next.Retry.BudgetPercent == Options.Retry.BudgetPercent ? Budget : new RetryBudget(next.Retry.BudgetPercent, time),
        WantedRoleOf(next),
        ServiceRuntime.ActiveCheck(next) is not null,
        HealthSettings.From(next.Health));

    private static PodRole? WantedRoleOf(ServiceOptions options) => options.Role switch
    {
        "Primary" => PodRole.Primary,
        "Replica" => PodRole.Replica,
        _ => null,
    };
}
