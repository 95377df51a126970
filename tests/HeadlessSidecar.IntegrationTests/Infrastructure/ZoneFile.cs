namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>One rendered zone: its origin (no trailing dot) and its text in RFC 1035 master-file format.</summary>
public sealed record ZoneFile(string Origin, string Text)
{
    /// <summary>The file name Knot loads it from.</summary>
    public string FileName => Origin + ".zone";
}
