namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>What cluster DNS answers for a Service that has no ready pods.</summary>
public enum EmptyServiceAnswer
{
    /// <summary>NOERROR with no records: CoreDNS's default.</summary>
    NoData,

    /// <summary>NXDOMAIN, as with <c>ignore empty_service</c> in the Corefile.</summary>
    NxDomain,
}
