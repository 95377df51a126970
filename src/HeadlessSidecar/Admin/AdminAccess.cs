using System.Net;
using HeadlessSidecar.Configuration;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Admin;

/// <summary>
/// Contract section 6's access rule: <c>/status</c> and <c>/debug/*</c> show pod addresses and failures, so by
/// default only loopback clients (kubectl port-forward, a shell in the pod) read them; Prometheus and the kubelet
/// reach <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> from anywhere.
/// </summary>
internal static class AdminAccess
{
    /// <summary>Whether <paramref name="path"/> is one of the restricted admin paths.</summary>
    public static bool IsRestricted(PathString path) =>
        path.StartsWithSegments("/status", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/debug", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a client at <paramref name="remote"/> may read a restricted path.</summary>
    /// <param name="remote">Null when the connection has no IP peer (an in-memory transport): not loopback.</param>
    public static bool IsAllowed(DebugAccess access, IPAddress? remote)
    {
        if (access == DebugAccess.Any)
        {
            return true;
        }
        if (remote is null)
        {
            return false;
        }
        // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d, which IPAddress.IsLoopback does not see
        // through.
        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }
        return IPAddress.IsLoopback(remote);
    }
}
