using HeadlessSidecar.Configuration;
using HeadlessSidecar.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Limits;

internal static class LimitsServiceCollectionExtensions
{
    public static IServiceCollection AddSidecarLimits(this IServiceCollection services, LimitsOptions limits)
    {
        services.AddSingleton<LimitMetrics>();
        services.AddSingleton<ListenerLimiters>();
        services.AddSingleton<AppConnections>();
        services.AddSingleton<KestrelLimitObserver>();
        services.AddSingleton<StreamIdleMiddleware>();
        // The preface sniff is part of receiving a request head: the same deadline as Kestrel's.
        services.Configure<ListenerGroupOptions>(o => o.SniffTimeout = limits.RequestHeadersTimeout);
        return services;
    }

    /// <summary>Counts Kestrel's refused HTTP/2 streams: a provider for Kestrel's HTTP/2 debug events, and nothing else.</summary>
    public static IServiceCollection AddKestrelStreamRefusals(this IServiceCollection services)
    {
        services.AddSingleton<ILoggerProvider, KestrelStreamRefusals>();
        services.Configure<LoggerFilterOptions>(o => o.Rules.Add(
            new LoggerFilterRule(typeof(KestrelStreamRefusals).FullName, KestrelStreamRefusals.Category, LogLevel.Debug, null)));
        return services;
    }

    /// <summary>
    /// Puts <see cref="ListenerConnectionMiddleware"/> first in a listener's connection pipeline: the admin listener's
    /// limit, or a proxy listener's (whose connections are also listed for the drain).
    /// </summary>
    public static ListenOptions UseAdminListenerLimit(this ListenOptions listen)
    {
        listen.Use(next => Create(listen, next, listen.ApplicationServices.GetRequiredService<ListenerLimiters>().Admin, connections: null));
        return listen;
    }

    public static ListenOptions UseListenerLimit(this ListenOptions listen, ListenerLimiter limiter)
    {
        listen.Use(next => Create(listen, next, limiter, listen.ApplicationServices.GetRequiredService<AppConnections>()));
        return listen;
    }

    // Runs when Kestrel builds the endpoint's pipeline, after ListenHttp set its protocols.
    private static ConnectionDelegate Create(ListenOptions listen, ConnectionDelegate next, ListenerLimiter limiter, AppConnections? connections)
    {
        var services = listen.ApplicationServices;
        return new ListenerConnectionMiddleware(next, limiter, connections, http2: listen.Protocols == HttpProtocols.Http2,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger<ListenerConnectionMiddleware>()).OnConnectionAsync;
    }
}
