namespace HeadlessSidecar.Injection;

/// <summary>The YAML to print, or the one problem that stops everything (then nothing is printed), and warnings.</summary>
internal sealed record ManifestResult(string? Output, string? Error, IReadOnlyList<string> Warnings);
