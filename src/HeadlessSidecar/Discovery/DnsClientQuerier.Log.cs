using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

internal sealed partial class DnsClientQuerier
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Trace, "DNS {Type} {Name}: {Status}, {Size} bytes from {Server}.")]
        public static partial void QueryAnswered(ILogger logger, string name, DnsQueryType type, DnsQueryStatus status, int size, string? server);

        [LoggerMessage(2, LogLevel.Debug, "DNS {Type} {Name} failed: {Error}.")]
        public static partial void QueryFailed(ILogger logger, string name, DnsQueryType type, string error, Exception exception);
    }
}
