using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Demo;

internal sealed partial class DemoDnsServer
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Demo DNS serving {Zone} on {EndPoint} (UDP and TCP)")]
        public static partial void Started(ILogger logger, IPEndPoint endPoint, DemoZone zone);

        [LoggerMessage(2, LogLevel.Information, "Demo DNS now serving {Zone}")]
        public static partial void ZoneUpdated(ILogger logger, DemoZone zone);

        [LoggerMessage(3, LogLevel.Information, "Demo DNS on {EndPoint} stopped")]
        public static partial void Stopped(ILogger logger, IPEndPoint endPoint);

        [LoggerMessage(4, LogLevel.Debug, "Demo DNS UDP: {SocketError}, carrying on")]
        public static partial void UdpTransientError(ILogger logger, SocketError socketError);

        [LoggerMessage(5, LogLevel.Error, "Demo DNS {Transport} loop failed; it no longer answers")]
        public static partial void LoopFailed(ILogger logger, string transport, Exception exception);

        [LoggerMessage(6, LogLevel.Error, "Demo DNS could not answer a query")]
        public static partial void AnswerFailed(ILogger logger, Exception exception);

        [LoggerMessage(7, LogLevel.Warning, "Demo DNS TCP: {MaxConnections} connections open, refusing another")]
        public static partial void TcpConnectionRefused(ILogger logger, int maxConnections);

        [LoggerMessage(8, LogLevel.Debug, "Demo DNS TCP: closing a connection idle for {IdleTimeout}")]
        public static partial void TcpIdleTimeout(ILogger logger, TimeSpan idleTimeout);

        [LoggerMessage(9, LogLevel.Debug, "Demo DNS TCP: closing a connection that announced a {Length}-octet message")]
        public static partial void TcpMessageTooLarge(ILogger logger, int length);

        [LoggerMessage(10, LogLevel.Debug, "Demo DNS TCP: connection ended: {Reason}")]
        public static partial void TcpConnectionFailed(ILogger logger, string reason);
    }
}
