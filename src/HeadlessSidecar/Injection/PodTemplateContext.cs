namespace HeadlessSidecar.Injection;

/// <summary>Where a pod template comes from: <paramref name="RunsToCompletion"/> for Jobs, CronJobs and pods a Job
/// owns (classic mode leaves them alone: its sidecar would keep them running forever).</summary>
internal sealed record PodTemplateContext(bool RunsToCompletion);
