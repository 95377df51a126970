namespace HeadlessSidecar.Configuration;

/// <summary>One configuration problem: the full key path and what is wrong with it.</summary>
public sealed record ConfigError(string Key, string Reason)
{
    public override string ToString() => $"{Key}: {Reason}";
}
