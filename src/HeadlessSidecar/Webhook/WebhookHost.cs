using System.Net;
using System.Net.Security;
using HeadlessSidecar.Certificates;
using HeadlessSidecar.Injection;
using HeadlessSidecar.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace HeadlessSidecar.Webhook;

/// <summary>
/// Composes <c>headless-sidecar webhook</c>: Kestrel on one HTTPS address serving <c>/inject</c> through an
/// <see cref="IAdmissionReviewer"/>, health, readiness and metrics, with a certificate reloaded from its files.
/// </summary>
internal sealed partial class WebhookHost : IAsyncDisposable
{
    private static readonly List<SslApplicationProtocol> s_protocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private readonly WebApplication _app;
    private readonly WebhookOptions _options;

    private WebhookHost(WebApplication app, WebhookOptions options)
    {
        _app = app;
        _options = options;
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>The bound address (its real port when <c>--listen</c> said 0); set by <see cref="StartAsync"/>.</summary>
    public IPEndPoint EndPoint { get; private set; } = null!;

    /// <summary>Builds the host and loads the certificate.</summary>
    /// <exception cref="WebhookStartException">The certificate files do not load.</exception>
    public static WebhookHost Create(WebhookOptions options, IAdmissionReviewer reviewer,
        Action<IServiceCollection>? configureServices = null, string? meterName = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(reviewer);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        var services = builder.Services;
        var sidecarMeter = new SidecarMeter(meterName);
        services.AddSingleton(sidecarMeter);
        services.AddSingleton(options);
        services.AddSingleton(reviewer);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new ReloadingCertificate(options.CertificateFile, options.KeyFile, options.CertificateWatch,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<InjectorMetrics>();
        services.AddSingleton<AdmissionEndpoint>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(sidecarMeter.Name)
            .AddPrometheusExporter(o =>
            {
                o.ScrapeResponseCacheDurationMilliseconds = 0;
                o.ScopeInfoEnabled = false;
            }));
        configureServices?.Invoke(services);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = AdmissionEndpoint.MaxReviewBytes;
            kestrel.Listen(options.Listen, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                var certificate = kestrel.ApplicationServices.GetRequiredService<ReloadingCertificate>();
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    // Asked per connection: a rotated certificate serves the next handshake, open connections keep theirs.
                    OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificate.Current ?? throw new InvalidOperationException("no serving certificate is loaded"),
                        ApplicationProtocols = s_protocols,
                        // Client-initiated TLS 1.2 renegotiation only costs the server CPU; nothing here needs it.
                        AllowRenegotiation = false,
                    }),
                    HandshakeTimeout = TimeSpan.FromSeconds(10),
                });
            });
        });

        var app = builder.Build();
        try
        {
            // The meter provider first, so the counter's zero-valued series are recorded.
            app.Services.GetRequiredService<MeterProvider>();
            app.Services.GetRequiredService<InjectorMetrics>();
            var certificate = app.Services.GetRequiredService<ReloadingCertificate>();
            if (certificate.Current is null)
            {
                throw new WebhookStartException($"--tls-cert/--tls-key: no certificate loaded from '{options.CertificateFile}' and '{options.KeyFile}': {certificate.LastError}");
            }
            WebhookEndpoints.Map(app);
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }
        return new WebhookHost(app, options);
    }

    /// <exception cref="WebhookStartException">The address cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            throw new WebhookStartException($"--listen: '{_options.Listen}' cannot be bound: {(ex.InnerException ?? ex).Message}", ex);
        }
        EndPoint = _options.Listen;
        if (_options.Listen.Port == 0)
        {
            var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            if (addresses.Select(a => new Uri(a).Port).FirstOrDefault() is var port and > 0)
            {
                EndPoint = new IPEndPoint(_options.Listen.Address, port);
            }
        }
        var defaults = _options.Defaults;
        Log.Serving(_app.Services.GetRequiredService<ILogger<WebhookHost>>(), EndPoint, defaults.Mode, defaults.Image ?? "(the build's default)", defaults.ConfigMap);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
