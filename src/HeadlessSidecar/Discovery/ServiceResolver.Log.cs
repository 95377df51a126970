using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

internal sealed partial class ServiceResolver
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Service {Service}: {Candidate} does not exist (NXDOMAIN), trying the next search candidate.")]
        public static partial void CandidateNotFound(ILogger logger, string service, string candidate);

        [LoggerMessage(3, LogLevel.Debug, "Service {Service}: {Candidate} is not served ({Refusal}), trying the next search candidate.")]
        public static partial void CandidateRefused(ILogger logger, string service, string candidate, string refusal);

        [LoggerMessage(4, LogLevel.Debug, "{SrvName}: {Count} targets lie outside {Domain}; left out with their glue.")]
        public static partial void TargetsOutOfDomain(ILogger logger, string srvName, int count, string domain);

        [LoggerMessage(2, LogLevel.Debug, "{SrvName}: target {Target} has no A or AAAA record; left out.")]
        public static partial void TargetWithoutAddress(ILogger logger, string srvName, string target);
    }
}
