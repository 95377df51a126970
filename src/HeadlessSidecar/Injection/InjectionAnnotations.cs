namespace HeadlessSidecar.Injection;

/// <summary>The pod-template annotations of contract section 8 (and the label/annotation that opts out).</summary>
internal static class InjectionAnnotations
{
    public const string Inject = "headless-sidecar.io/inject";
    public const string Mode = "headless-sidecar.io/mode";
    public const string ConfigMap = "headless-sidecar.io/config-map";
    public const string Image = "headless-sidecar.io/image";
    public const string CpuRequest = "headless-sidecar.io/cpu-request";
    public const string MemoryRequest = "headless-sidecar.io/memory-request";
    public const string MemoryLimit = "headless-sidecar.io/memory-limit";
    public const string CredentialsSecret = "headless-sidecar.io/credentials-secret";
    public const string TlsSecret = "headless-sidecar.io/tls-secret";
    public const string DrainDelay = "headless-sidecar.io/drain-delay";
    public const string Status = "headless-sidecar.io/status";
    public const string DefaultContainer = "kubectl.kubernetes.io/default-container";

    /// <summary>The value of <see cref="Inject"/> (label or annotation) that leaves a pod alone.</summary>
    public const string Disabled = "disabled";
}
