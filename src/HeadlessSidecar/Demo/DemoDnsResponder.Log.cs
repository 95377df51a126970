using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Demo;

internal sealed partial class DemoDnsResponder
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "DNS {Transport}: {Name} {Type} -> {ResponseCode}, {AnswerCount} answers, truncated {Truncated}")]
        public static partial void Answered(ILogger logger, string transport, string name, DemoDnsType type, DemoDnsResponseCode responseCode, int answerCount, bool truncated);

        [LoggerMessage(2, LogLevel.Debug, "DNS {Transport}: dropped a {Length}-octet message that is no query")]
        public static partial void Dropped(ILogger logger, string transport, int length);

        [LoggerMessage(3, LogLevel.Debug, "DNS {Transport}: rejected a {Length}-octet message with {ResponseCode}")]
        public static partial void Rejected(ILogger logger, string transport, int length, DemoDnsResponseCode responseCode);
    }
}
