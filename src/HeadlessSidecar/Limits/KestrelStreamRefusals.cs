using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Limits;

/// <summary>
/// Counts HTTP/2 streams Kestrel refuses past <c>MaxStreamsPerConnection</c> (it answers <c>RST_STREAM
/// REFUSED_STREAM</c> and records nothing but a debug log line): a logger for Kestrel's HTTP/2 category only,
/// that writes nothing and counts that one event under the connection's listener.
/// </summary>
internal sealed class KestrelStreamRefusals(AppConnections connections) : ILoggerProvider
{
    public const string Category = "Microsoft.AspNetCore.Server.Kestrel.Http2";

    public ILogger CreateLogger(string categoryName) =>
        categoryName == Category ? new Observer(connections) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Observer(AppConnections connections) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Kestrel's message for a stream refused at its MaxStreamsPerConnection (CoreStrings.Http2ErrorMaxStreams).
            if (eventId.Name != "Http2StreamError" || exception?.Message.Contains("stream limit", StringComparison.Ordinal) != true)
            {
                return;
            }
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                foreach (var value in values)
                {
                    if (value.Key == "ConnectionId" && value.Value is string id)
                    {
                        connections.ListenerOf(id)?.Rejected(LimitKind.Streams);
                        return;
                    }
                }
            }
        }
    }
}
