using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

internal sealed partial class ServiceWatcher
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Service {Service}: DNS says {Result} for {Host}, {Count} pods.")]
        public static partial void ResultChanged(ILogger logger, string service, ResolutionResult result, string host, int count);

        [LoggerMessage(2, LogLevel.Information, "Service {Service}: {Count} pods ({Added} added, {Removed} removed, {AddressChanged} changed address).")]
        public static partial void PodsChanged(ILogger logger, string service, int count, int added, int removed, int addressChanged);

        [LoggerMessage(3, LogLevel.Warning, "Service {Service}: DNS failed ({Error}); keeping the last {Count} pods for up to {MaxStale}.")]
        public static partial void FailedKeepingStale(ILogger logger, string service, string error, int count, TimeSpan maxStale);

        [LoggerMessage(4, LogLevel.Warning, "Service {Service}: DNS failed ({Error}).")]
        public static partial void Failed(ILogger logger, string service, string error);

        [LoggerMessage(5, LogLevel.Debug, "Service {Service}: DNS still failing after {Failures} attempts ({Error}).")]
        public static partial void StillFailing(ILogger logger, string service, int failures, string error);

        [LoggerMessage(6, LogLevel.Warning, "Service {Service}: DNS has failed for {MaxStale}; dropping the last {Count} pods ({Error}).")]
        public static partial void StaleSetDropped(ILogger logger, string service, int count, TimeSpan maxStale, string error);

        [LoggerMessage(7, LogLevel.Information, "Service {Service}: DNS answers again after failing for {Duration}.")]
        public static partial void Recovered(ILogger logger, string service, TimeSpan duration);

        [LoggerMessage(8, LogLevel.Warning, "Service {Service}: partial answer, {Count} lookups failed: {Warnings}.")]
        public static partial void PartialAnswer(ILogger logger, string service, int count, string warnings);

        [LoggerMessage(9, LogLevel.Error, "Service {Service}: resolution failed unexpectedly.")]
        public static partial void ResolutionCrashed(ILogger logger, string service, Exception exception);

        [LoggerMessage(11, LogLevel.Warning, "Service {Service}: DNS data not believed ({Rejections}); see headless_sidecar_dns_rejected_total.")]
        public static partial void AnswersRejected(ILogger logger, string service, string rejections);

        [LoggerMessage(10, LogLevel.Error, "Service {Service}: a subscriber to endpoint changes failed.")]
        public static partial void SubscriberFailed(ILogger logger, string service, Exception exception);
    }
}
