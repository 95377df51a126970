using HeadlessSidecar.Commands;

namespace HeadlessSidecar.Injection;

/// <summary>Builds the engine's <see cref="IAdmissionReviewer"/> for the webhook from its flags.</summary>
internal static class AdmissionReviewerFactory
{
    public static IAdmissionReviewer Create(InjectorDefaults defaults) =>
        new AdmissionReviewer(new InjectionEngine(defaults, SidecarCommands.Version));
}
