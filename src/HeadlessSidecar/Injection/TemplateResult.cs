namespace HeadlessSidecar.Injection;

/// <summary>What the engine decided for one pod template: the patch (relative to the template) and, for
/// <see cref="TemplateOutcome.Skipped"/> and <see cref="TemplateOutcome.Invalid"/>, why.</summary>
internal sealed record TemplateResult(TemplateOutcome Outcome, IReadOnlyList<PatchOperation> Patch, string? Message = null)
{
    public static TemplateResult Of(TemplateOutcome outcome, string? message = null) => new(outcome, [], message);
}
