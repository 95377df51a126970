using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Demo;

internal sealed partial class DemoPodSet
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Demo StatefulSet web: {Replicas} pods serving on port {Port}")]
        public static partial void Started(ILogger logger, int replicas, int port);

        [LoggerMessage(2, LogLevel.Debug, "Demo StatefulSet web: port {Port} is taken on another pod address ({Reason}); trying another")]
        public static partial void PortTaken(ILogger logger, int port, string reason);

        [LoggerMessage(3, LogLevel.Information, "Demo StatefulSet web: {Replicas} pods stopped")]
        public static partial void Stopped(ILogger logger, int replicas);
    }
}
