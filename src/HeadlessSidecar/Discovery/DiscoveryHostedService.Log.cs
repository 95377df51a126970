using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

internal sealed partial class DiscoveryHostedService
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Discovery of {Count} services via {Servers}, search [{Search}], ndots {Ndots}.")]
        public static partial void Starting(ILogger logger, int count, string servers, string search, int ndots);
    }
}
