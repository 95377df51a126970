namespace HeadlessSidecar.Reload;

/// <summary>One service's part of a <see cref="ConfigurationDiff"/>.</summary>
/// <param name="Name">The service's key under <c>Sidecar:Services</c>.</param>
/// <param name="Kind">Unchanged, changed, added, removed or replaced.</param>
/// <param name="Settings">The top-level settings that differ (<c>Retry</c>, <c>LoadBalancing</c>, ...), in configuration order.</param>
/// <param name="Effects">What the changed settings renew.</param>
internal sealed record ServiceDiff(string Name, ServiceChangeKind Kind, IReadOnlyList<string> Settings, ServiceEffects Effects)
{
    /// <summary>The log line: <c>service web: Retry, LoadBalancing</c>, <c>service cache: added</c>.</summary>
    public string Describe() => Kind switch
    {
        ServiceChangeKind.Added => $"service {Name}: added",
        ServiceChangeKind.Removed => $"service {Name}: removed",
        ServiceChangeKind.Replaced => $"service {Name}: replaced ({string.Join(", ", Settings)})",
        _ => $"service {Name}: {string.Join(", ", Settings)}",
    };
}
