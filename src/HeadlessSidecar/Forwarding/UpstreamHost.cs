using HeadlessSidecar.Discovery;
using HeadlessSidecar.Routing;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// Contract section 3: the app's <c>Host</c> goes upstream as sent unless it names the sidecar itself (loopback
/// or localhost), in which case the pod's DNS name and port replace it.
/// </summary>
internal static class UpstreamHost
{
    public static string For(string? appHost, PodEndpoint pod, string podAuthority) =>
        appHost is null || HostName.IsLoopback(HostName.Get(appHost)) ? podAuthority : appHost;

    /// <summary>The pod's DNS name (its address when it has none), with the port unless it is 80.</summary>
    public static string PodAuthority(PodEndpoint pod)
    {
        var podName = string.IsNullOrEmpty(pod.HostName) ? pod.Address.ToString() : pod.HostName.TrimEnd('.');
        return pod.Port == 80 ? podName : $"{podName}:{pod.Port}";
    }
}
