namespace HeadlessSidecar.Discovery;

/// <summary>Outcome of one DNS resolution, as <c>headless_sidecar_dns_lookups_total{result}</c> names it.</summary>
public enum ResolutionResult
{
    /// <summary>No resolution has finished yet.</summary>
    Pending,
    Success,
    NxDomain,
    Empty,
    Error,
}
