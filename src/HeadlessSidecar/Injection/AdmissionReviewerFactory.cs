namespace HeadlessSidecar.Injection;

/// <summary>Builds the engine's <see cref="IAdmissionReviewer"/> for the webhook from its flags.</summary>
internal static class AdmissionReviewerFactory
{
    public static IAdmissionReviewer Create(InjectorDefaults defaults)
    {
        // Placeholder until the injection engine lands: the engine's owner replaces this body.
        _ = defaults;
        throw new NotSupportedException("the injection engine is not built yet");
    }
}
