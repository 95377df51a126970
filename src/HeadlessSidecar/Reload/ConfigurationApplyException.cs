namespace HeadlessSidecar.Reload;

/// <summary>A valid configuration that cannot be applied (a bind failure); each problem is one <c>key: reason</c> line.</summary>
internal sealed class ConfigurationApplyException(IReadOnlyList<string> problems)
    : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
