namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>
/// One row of the fault matrix as measured: the load's requests sent and failed, the sidecar's failovers
/// (<c>headless_sidecar_failovers_total</c>, all labels), the p99 in milliseconds, the row's own figures and the
/// bound it asserts.
/// </summary>
internal sealed record FaultRow(string Fault, int Sent, int Failed, double Failovers, double P99Milliseconds, string Figures, string Bound);
