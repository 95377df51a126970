using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Reload;

internal sealed partial class ConfigurationReloader
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Configuration reloads on a change of {Files} or on SIGHUP.")]
        public static partial void Watching(ILogger logger, string files);

        [LoggerMessage(2, LogLevel.Information, "Configuration reloaded ({Trigger}): {Changes}.")]
        public static partial void Reloaded(ILogger logger, string trigger, string changes);

        [LoggerMessage(3, LogLevel.Warning, "Configuration reload failed ({Trigger}): {Count} problem(s), the running configuration is unchanged.")]
        public static partial void Failed(ILogger logger, string trigger, int count);

        // The message is the problem alone, so each reads as the `key: reason` line `validate` prints.
        [LoggerMessage(4, LogLevel.Warning, "{Problem}")]
        public static partial void Problem(ILogger logger, string problem);

        [LoggerMessage(5, LogLevel.Warning, "Configuration reload: {Keys} changed but apply only at a restart; the running value is kept.")]
        public static partial void RestartRequired(ILogger logger, string keys);

        [LoggerMessage(6, LogLevel.Warning, "Sidecar:Services:{Service}:Tls:InsecureSkipVerify is true: the pods' certificates are not verified.")]
        public static partial void InsecureSkipVerify(ILogger logger, string service);

        [LoggerMessage(7, LogLevel.Error, "Configuration reload failed unexpectedly; the running configuration is kept.")]
        public static partial void Crashed(ILogger logger, Exception exception);
    }
}
