using HeadlessSidecar.Injection;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Webhook;

internal sealed partial class AdmissionEndpoint
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Admission {Uid}: {Result}.")]
        public static partial void Answered(ILogger logger, string uid, AdmissionResult result);

        [LoggerMessage(2, LogLevel.Warning, "Admission request is not JSON (line {Line}, byte {Byte}); admitted unchanged.")]
        public static partial void NotJson(ILogger logger, long line, long @byte);

        [LoggerMessage(3, LogLevel.Error, "Admission {Uid} failed; admitted unchanged.")]
        public static partial void Failed(ILogger logger, string uid, Exception exception);
    }
}
