namespace HeadlessSidecar.Injection;

/// <summary>Where the pod template of each kind that gets the sidecar lives (contract section 8); other kinds,
/// and these kinds in other API groups (a CRD named Deployment), pass through.</summary>
internal static class WorkloadKinds
{
    private static readonly string[] Self = [];
    private static readonly string[] Template = ["spec", "template"];
    private static readonly string[] JobTemplate = ["spec", "jobTemplate", "spec", "template"];

    /// <summary>The template's path inside the object, or null for kinds that are not injected.</summary>
    public static IReadOnlyList<string>? TemplatePath(string apiVersion, string kind, out bool runsToCompletion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        runsToCompletion = group == "batch" && kind is "Job" or "CronJob";
        return (group, kind) switch
        {
            ("", "Pod") => Self,
            ("apps", "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet") => Template,
            ("batch", "Job") => Template,
            ("batch", "CronJob") => JobTemplate,
            _ => null,
        };
    }
}
