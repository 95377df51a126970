namespace HeadlessSidecar.Injection;

internal enum TemplateOutcome
{
    /// <summary>The patch adds (or replaces, or for uninject removes) the sidecar.</summary>
    Changed,

    /// <summary>Already as asked: injected identically, or nothing to uninject.</summary>
    Unchanged,

    /// <summary>Labelled or annotated <c>headless-sidecar.io/inject: disabled</c>.</summary>
    OptedOut,

    /// <summary>Left as it is for a reason the user should hear (hostNetwork, a classic-mode Job): a warning.</summary>
    Skipped,

    /// <summary>The engine cannot inject it (a bad annotation, a name already taken): an error.</summary>
    Invalid,
}
