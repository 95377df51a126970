namespace HeadlessSidecar.Health.Probes;

/// <summary>The role a protocol probe saw a pod in (contract section 4, <c>Role</c>).</summary>
internal enum PodRole
{
    Unknown,
    Primary,
    Replica,
}
