namespace HeadlessSidecar.Injection;

internal enum InjectionMode
{
    /// <summary>First init container with <c>restartPolicy: Always</c> (Kubernetes 1.29 and later).</summary>
    Native,

    /// <summary>First app container, <c>postStart</c> <c>await</c>, shutdown with <c>DrainDelay</c>.</summary>
    Classic,
}
