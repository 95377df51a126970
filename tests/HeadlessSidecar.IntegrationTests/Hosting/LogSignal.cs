using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.IntegrationTests.Hosting;

/// <summary>A logger provider that lets a test await a log event by name instead of polling or sleeping.</summary>
internal sealed class LogSignal : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _events = new(StringComparer.Ordinal);

    public Task WhenLogged(string eventName) => Get(eventName).Task;

    public ILogger CreateLogger(string categoryName) => new SignalLogger(this);

    public void Dispose()
    {
    }

    private TaskCompletionSource Get(string eventName) =>
        _events.GetOrAdd(eventName, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private sealed class SignalLogger(LogSignal owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name is { } name)
            {
                owner.Get(name).TrySetResult();
            }
        }
    }
}
