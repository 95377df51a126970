namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// The outcome of one protocol probe. <see cref="Failure"/> says why an unhealthy pod failed; it is logged,
/// so it never carries credentials.
/// </summary>
internal readonly record struct ProbeResult(bool Healthy, PodRole Role, string? Failure)
{
    public static ProbeResult Pass(PodRole role = PodRole.Unknown) => new(true, role, null);

    public static ProbeResult Fail(string failure) => new(false, PodRole.Unknown, failure);
}
