using System.Net;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

internal sealed partial class DnsWireQuerier
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Trace, "DNS {Type} {Name}: {Status}.")]
        public static partial void QueryAnswered(ILogger logger, string name, DnsQueryType type, DnsQueryStatus status);

        [LoggerMessage(2, LogLevel.Debug, "DNS {Type} {Name} to {Server}: {Error}.")]
        public static partial void AttemptFailed(ILogger logger, string name, DnsQueryType type, IPEndPoint server, string error);
    }
}
