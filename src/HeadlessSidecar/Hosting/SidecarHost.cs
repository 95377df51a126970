using System.Net;
using HeadlessSidecar.Admin;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Forwarding;
using HeadlessSidecar.Limits;
using HeadlessSidecar.Logging;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Routing;
using HeadlessSidecar.Runtime;
using HeadlessSidecar.Tcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// Composes the sidecar: discovery, the per-service runtimes, the proxy and admin listeners, metrics and drain.
/// Proxy sockets are bound before the host starts, so a busy or bad address fails start-up with its key named.
/// </summary>
internal sealed class SidecarHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ListenerGroup> _groups;

    private SidecarHost(WebApplication app, List<ListenerGroup> groups)
    {
        _app = app;
        _groups = groups;
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>The admin listener's bound address (its real port when the configuration said 0).</summary>
    public IPEndPoint AdminEndPoint { get; private set; } = null!;

    public static async Task<SidecarHost> CreateAsync(SidecarOptions options, IConfiguration configuration,
        Action<IServiceCollection>? configureServices = null, string? meterName = null, CancellationToken cancellationToken = default)
    {
        // Program sets it first thing; a host built elsewhere (tests, tools) must be as strict.
        StrictHttpParsing.Apply();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        // One abusive client must not make the log the flood: warnings and worse are rate-limited per event.
        builder.Logging.RateLimitConsole();
        // stdout carries the access log only; every log line goes to stderr.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // YARP logs each failed attempt with a stack trace; the proxy handler logs one line per attempt instead.
        builder.Logging.AddFilter("Yarp", LogLevel.Error);
        // Hosting starts an Activity and a logging scope for every request while this category is enabled at any
        // level (it never logs above Information for a request): ~6 % of the CPU of an HTTP/1.1 request (issue 17).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));

        var services = builder.Services;
        var sidecarMeter = new SidecarMeter(meterName);
        services.AddSingleton(sidecarMeter);
        services.AddSingleton(options);
        services.AddSingleton<Reload.ConfigurationApplier>();
        services.AddSingleton<Reload.IConfigurationApplier>(sp => sp.GetRequiredService<Reload.ConfigurationApplier>());
        Reload.ReloadServiceCollectionExtensions.AddConfigurationReload(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EndpointRegistry>();
        services.AddSingleton<ProxyMetrics>();
        services.AddSingleton<PoolMetrics>();
        services.AddSingleton<TcpMetrics>();
        services.AddSingleton<Tls.TlsMetrics>();
        services.AddSingleton<Tls.TlsConnectors>();
        services.AddSingleton<Connections.PodConnectionPoolFactory>();
        services.AddSingleton<ServiceRuntimeRegistry>();
        services.AddSingleton<ListenerMap>();
        services.AddSingleton<DrainState>();
        // One writer for both handlers, always there: AccessLog is read per request, so a reload can turn it on.
        services.AddSingleton(sp => new AccessLogWriter(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ProxyHandler>();
        services.AddSingleton<TcpProxyHandler>();
        services.AddHttpForwarder();
        services.AddListenerGroups();
        services.AddSidecarLimits(options.Limits);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = options.DrainDelay + options.DrainTimeout + TimeSpan.FromSeconds(5));
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(sidecarMeter.Name)
            // The runtime's own meter (CPU time, working set, GC heaps, thread pool): built into .NET, no
            // instrumentation package, nothing reflective, so it stays AOT-clean.
            .AddMeter(RuntimeMeter.Name)
            .AddView(instrument => instrument.Meter.Name == sidecarMeter.Name
                ? new MetricStreamConfiguration { CardinalityLimit = MetricLimits.CardinalityLimit(instrument.Name) }
                : RuntimeMeter.View(instrument))
            .AddPrometheusExporter(o =>
            {
                o.ScrapeResponseCacheDurationMilliseconds = 0;
                o.ScopeInfoEnabled = false;
            }));
        // After OpenTelemetry: the watchers' first lookups must find the meter provider listening.
        services.AddDiscovery();
        configureServices?.Invoke(services);
        // After the caller's services, which may have replaced the logging providers: this one counts, never writes.
        services.AddKestrelStreamRefusals();

        var groups = new List<ListenerGroup>();
        // Every proxy listener is a socket of this one group: Kestrel serves it through fixed endpoints, and a reload
        // changes its sockets while Kestrel runs. Made from the app's services (Kestrel's memory pool).
        services.AddSingleton(sp => new ProxyListeners(sp.CreateMixedListenerGroup("proxy listeners"), sp.GetRequiredService<ListenerLimiters>()));
        services.AddSingleton(new ProxyListenerGroups(groups));
        services.AddSingleton<OrdinalPortManager>();
        services.AddHostedService(sp => sp.GetRequiredService<OrdinalPortManager>());
        services.AddHostedService<DrainService>();
        services.AddHostedService<ImageTrimmer>();
        services.AddSingleton<Health.HealthProber>();
        services.AddHostedService(sp => sp.GetRequiredService<Health.HealthProber>());
        // A sidecar shares a core or two with its app: every hop from the socket thread to the thread pool is a
        // context switch (2.6 per request measured, 0.8 inline; CPU per request -14 %, issue 6). Inline only when
        // the runtime inlines socket completions too (SocketScheduling), else app code would hop anyway.
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>(
            o =>
            {
                o.UnsafePreferInlineScheduling = SocketScheduling.InlineCompletions;
                // Waiting for data first costs a zero-byte read per request, which the runtime makes a recv(MSG_PEEK):
                // 3.0 -> 2.4 recv per request without it (HAProxy: 2.0), CPU per request -7 % (median of 8 alternating
                // pairs, 6 of 8 lower, issue 17), for a 4 KiB pool block held by each idle keep-alive connection.
                // HEADLESS_SIDECAR_WAIT_FOR_DATA=1 restores Kestrel's default: a switch for A/B measurements, not configuration.
                o.WaitForDataBeforeAllocatingBuffer = Environment.GetEnvironmentVariable("HEADLESS_SIDECAR_WAIT_FOR_DATA") == "1";
            });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.AllowHostHeaderOverride = true;
            kestrel.Limits.MaxRequestBodySize = null;
            KestrelLimits.Apply(kestrel.Limits, options.Limits);
            kestrel.Listen(options.AdminListen, listen => listen.UseAdminListenerLimit());
        });

        var app = builder.Build();
        // The meter provider first: the runtimes and the limiters export their zero-valued series as they are
        // created, and a Tcp listener's connection handler (below) creates runtimes while the groups are set up.
        app.Services.GetRequiredService<MeterProvider>();
        var limiters = app.Services.GetRequiredService<ListenerLimiters>();
        var proxyListeners = app.Services.GetRequiredService<ProxyListeners>();
        groups.Add(proxyListeners.Group);
        try
        {
            // Bound before the host starts, so a busy or bad address fails start-up naming its key.
            await proxyListeners.BindAsync(options, cancellationToken);
        }
        catch
        {
            await proxyListeners.Group.DisposeAsync();
            await app.DisposeAsync();
            throw;
        }

        // Added to Kestrel's options after the group exists: Kestrel reads its endpoints only when it starts, but
        // creating the group from app services may already have materialised these options. Each socket brings its own
        // listener's limiter; the one given here is only the endpoints' fallback.
        var kestrelOptions = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value;
        var fallbackLimiter = limiters.ForListen(options.Services[0].Listen);
        kestrelOptions.ListenHttp(proxyListeners.Group, listen => listen.UseListenerLimit(fallbackLimiter));
        // Raw TCP skips Kestrel: the group's accept loop hands each Tcp socket's connections to the handler as plain
        // sockets, which saves most of the cost of a new connection (issue 17). HTTP sockets stay Kestrel's.
        proxyListeners.Group.AcceptTcpWith(app.Services.GetRequiredService<TcpProxyHandler>());

        // A failing pod triggers an early, rate-limited re-resolution of its service (by whichever watcher a reload left).
        var watchers = app.Services.GetRequiredService<ServiceWatchers>();
        foreach (var runtime in app.Services.GetRequiredService<ServiceRuntimeRegistry>().Services.Values)
        {
            var name = runtime.Name;
            runtime.RequestRefresh = () => watchers.RequestRefresh(name);
        }

        var host = new SidecarHost(app, groups);
        var adminPort = new AdminPort(options.AdminListen.Port);
        app.MapWhen(context => context.Connection.LocalPort == adminPort.Port, AdminEndpoints.Map);
        var handler = app.Services.GetRequiredService<ProxyHandler>();
        var streamIdle = app.Services.GetRequiredService<StreamIdleMiddleware>();
        app.Use(streamIdle.InvokeAsync);
        app.Run(handler.InvokeAsync);
        host._adminPort = adminPort;
        return host;
    }

    private AdminPort _adminPort = null!;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // Services resolved eagerly so their metrics and subscriptions exist before the first scrape or request.
        _app.Services.GetRequiredService<ServiceRuntimeRegistry>();
        _app.Services.GetRequiredService<PoolMetrics>();
        _app.Services.GetRequiredService<TcpMetrics>();
        _app.Services.GetRequiredService<KestrelLimitObserver>();
        try
        {
            await _app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            var options = _app.Services.GetRequiredService<SidecarOptions>();
            throw new ListenerBindException($"{SidecarOptionsReader.SectionName}:Admin:Listen: '{options.AdminListen}' cannot be bound: {ex.Message}", ex);
        }
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var admin = _app.Services.GetRequiredService<SidecarOptions>().AdminListen;
        AdminEndPoint = admin;
        if (admin.Port == 0)
        {
            // Kestrel lists listener groups as http://listener-group/...: only an IP host is the admin socket.
            foreach (var address in addresses)
            {
                if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host.Trim('[', ']'), out _))
                {
                    AdminEndPoint = new IPEndPoint(admin.Address, uri.Port);
                    _adminPort.Port = uri.Port;
                    break;
                }
            }
        }
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        foreach (var group in _groups)
        {
            await group.DisposeAsync();
        }
    }

    private sealed class AdminPort(int port)
    {
        public volatile int Port = port;
    }
}

internal sealed class ListenerBindException(string message, Exception inner) : Exception(message, inner);
