using System.Net;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Demo;

internal sealed partial class DemoPod
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Demo pod {Pod} serving HTTP/1.1 on {EndPoint}")]
        public static partial void Started(ILogger logger, string pod, IPEndPoint endPoint);

        [LoggerMessage(2, LogLevel.Information, "Demo pod {Pod} stopped")]
        public static partial void Stopped(ILogger logger, string pod);
    }
}
