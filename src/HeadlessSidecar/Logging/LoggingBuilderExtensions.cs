using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace HeadlessSidecar.Logging;

internal static class LoggingBuilderExtensions
{
    /// <summary>Puts the console provider added before this call behind a <see cref="RateLimitedLoggerProvider"/>.</summary>
    public static ILoggingBuilder RateLimitConsole(this ILoggingBuilder logging)
    {
        var services = logging.Services;
        var console = services.FirstOrDefault(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider))
            ?? throw new InvalidOperationException("Add the console logger before rate-limiting it.");
        services.Remove(console);
        services.AddSingleton<ILoggerProvider>(sp => new RateLimitedLoggerProvider(
            new ConsoleLoggerProvider(sp.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(), sp.GetServices<ConsoleFormatter>()),
            new LogRateLimiter(sp.GetService<TimeProvider>() ?? TimeProvider.System, RateLimitedLoggerProvider.LinesPerWindow, RateLimitedLoggerProvider.Window)));
        return logging;
    }
}
