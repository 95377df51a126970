namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>A request as a <see cref="LoopbackHttpPod"/> received it. Header names are case-insensitive; repeated values are comma-joined.</summary>
public sealed record PodRequest(
    string Method,
    string Path,
    string QueryString,
    string Protocol,
    IReadOnlyDictionary<string, string> Headers);
