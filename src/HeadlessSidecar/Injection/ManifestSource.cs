namespace HeadlessSidecar.Injection;

/// <summary>One input stream: a file's name (or <c>&lt;stdin&gt;</c>) and its text.</summary>
internal sealed record ManifestSource(string Name, string Text);
