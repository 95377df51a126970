using System.Net;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Hosting;

public sealed partial class ListenerGroup
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Listener group {Group} listens on {EndPoint}.", EventName = "SocketBound")]
        public static partial void SocketBound(ILogger logger, string group, IPEndPoint endPoint);

        [LoggerMessage(2, LogLevel.Debug, "Listener group {Group}: Kestrel bound the {Role} endpoint.", EventName = "RoleBound")]
        public static partial void RoleBound(ILogger logger, string group, ListenerRole role);

        [LoggerMessage(3, LogLevel.Debug, "Listener group {Group}: Kestrel unbound the {Role} endpoint.", EventName = "RoleUnbound")]
        public static partial void RoleUnbound(ILogger logger, string group, ListenerRole role);

        [LoggerMessage(4, LogLevel.Information, "Listener group {Group} stopped accepting and closed {Count} socket(s).", EventName = "Stopped")]
        public static partial void Stopped(ILogger logger, string group, int count);

        [LoggerMessage(5, LogLevel.Debug, "Listener group {Group}: connection {ConnectionId} showed no HTTP version within {Timeout}; closing it.", EventName = "SniffTimedOut")]
        public static partial void SniffTimedOut(ILogger logger, string group, string connectionId, TimeSpan timeout);

        [LoggerMessage(6, LogLevel.Debug, "Listener group {Group}: connection {ConnectionId} closed after {Length} byte(s), before showing its HTTP version.", EventName = "ClosedBeforePreface")]
        public static partial void ClosedBeforePreface(ILogger logger, string group, string connectionId, long length);

        [LoggerMessage(7, LogLevel.Debug, "Listener group {Group}: reading the start of connection {ConnectionId} failed; closing it.", EventName = "SniffFailed")]
        public static partial void SniffFailed(ILogger logger, string group, string connectionId, Exception exception);

        [LoggerMessage(8, LogLevel.Debug, "Listener group {Group}: no {Role} endpoint takes connection {ConnectionId}; closing it.", EventName = "NoEndpoint")]
        public static partial void NoEndpoint(ILogger logger, string group, ListenerRole role, string connectionId);

        [LoggerMessage(9, LogLevel.Error, "Listener group {Group}: accepting on {EndPoint} failed; that socket takes no more connections.", EventName = "AcceptFailed")]
        public static partial void AcceptFailed(ILogger logger, string group, IPEndPoint endPoint, Exception exception);

        [LoggerMessage(10, LogLevel.Debug, "Listener group {Group}: closing connection {ConnectionId} failed.", EventName = "CloseFailed")]
        public static partial void CloseFailed(ILogger logger, string group, string connectionId, Exception exception);

        [LoggerMessage(11, LogLevel.Warning, "Listener group {Group}: a new connection was closed at once: the listener has Limits:MaxConnectionsPerListener ({Limit}) open.", EventName = "OverConnectionLimit")]
        public static partial void OverConnectionLimit(ILogger logger, string group, int limit);

        [LoggerMessage(20, LogLevel.Information, "Listener group {Group} no longer listens on {EndPoint}.", EventName = "SocketRemoved")]
        public static partial void SocketRemoved(ILogger logger, string group, IPEndPoint endPoint);
    }
}
