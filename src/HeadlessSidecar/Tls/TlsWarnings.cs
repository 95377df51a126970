using HeadlessSidecar.Configuration;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Tls;

/// <summary>
/// <c>InsecureSkipVerify: true</c> is logged as a warning at start and at every configuration reload (contract
/// section 9): the reload applier calls <see cref="WarnIfInsecure"/> with the configuration it applied.
/// </summary>
internal static partial class TlsWarnings
{
    public static void WarnIfInsecure(ILogger logger, SidecarOptions options)
    {
        foreach (var service in options.Services)
        {
            if (service.Tls.Enabled && service.Tls.InsecureSkipVerify)
            {
                Log.InsecureSkipVerify(logger, service.Name);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Service {Service}: Tls:InsecureSkipVerify is true: the pods' certificates are NOT verified (any server on the path can impersonate them)")]
        public static partial void InsecureSkipVerify(ILogger logger, string service);
    }
}
