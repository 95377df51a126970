namespace HeadlessSidecar.Health;

/// <summary>
/// A pod's health evaluated at one instant, for reports that show several fields together (<c>/debug/peers</c>).
/// <see cref="EjectedUntil"/> is set while the ejection window runs; a pod past its window that waits for a
/// passing probe is ejected with <see cref="EjectReason"/> <c>awaiting_probe</c> and no <see cref="EjectedUntil"/>.
/// </summary>
internal readonly record struct PodHealthSnapshot(
    bool IsEjected,
    DateTimeOffset? EjectedUntil,
    string? EjectReason,
    DateTimeOffset? ReturnedAt,
    int ConsecutiveFailures);
