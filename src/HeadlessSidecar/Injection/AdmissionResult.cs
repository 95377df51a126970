namespace HeadlessSidecar.Injection;

/// <summary>The <c>result</c> label of <c>headless_sidecar_injector_admissions_total</c>.</summary>
internal enum AdmissionResult
{
    Injected,
    Skipped,
    Error,
}
