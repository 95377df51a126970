using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Logging;

/// <summary>
/// The console provider behind a <see cref="LogRateLimiter"/> for warnings and worse (information lines are the
/// sidecar's own, bounded by its configuration). Keeps the console's alias, so <c>Logging:Console:*</c> settings apply.
/// </summary>
[ProviderAlias("Console")]
internal sealed partial class RateLimitedLoggerProvider(ILoggerProvider inner, LogRateLimiter limiter) : ILoggerProvider, ISupportExternalScope
{
    public const int LinesPerWindow = 10;
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    public ILogger CreateLogger(string categoryName) => new Limited(inner.CreateLogger(categoryName), categoryName, limiter);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

    public void Dispose() => inner.Dispose();

    private sealed partial class Limited(ILogger inner, string category, LogRateLimiter limiter) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < LogLevel.Warning)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }
            if (!limiter.TryWrite(category, eventId.Id, out var suppressed))
            {
                return;
            }
            if (suppressed > 0)
            {
                Dropped(inner, logLevel, suppressed, eventId.Id, LinesPerWindow, Window);
            }
            inner.Log(logLevel, eventId, state, exception, formatter);
        }

        [LoggerMessage(EventId = 1, EventName = "LinesDropped", Message = "{Count} more lines of event {DroppedEventId} were dropped: at most {Lines} per {Window} are written")]
        private static partial void Dropped(ILogger logger, LogLevel level, int count, int droppedEventId, int lines, TimeSpan window);
    }
}
