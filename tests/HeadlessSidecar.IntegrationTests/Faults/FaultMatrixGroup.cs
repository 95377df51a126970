namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>
/// The fault matrix runs alone, one row after the other: its rows measure shares, latencies and times to
/// recover, which a neighbour's load on the same two cores would blur.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultMatrixGroup
{
    public const string Name = "Faults";
}
