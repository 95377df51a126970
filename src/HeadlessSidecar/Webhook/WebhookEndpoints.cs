using HeadlessSidecar.Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HeadlessSidecar.Webhook;

/// <summary>The webhook's paths, all on its one HTTPS address: <c>/inject</c>, <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>.</summary>
internal static class WebhookEndpoints
{
    public static void Map(WebApplication app)
    {
        var admission = app.Services.GetRequiredService<AdmissionEndpoint>();
        var certificate = app.Services.GetRequiredService<ReloadingCertificate>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Request.Path == "/metrics");
        app.Run(context => context.Request.Path.Value switch
        {
            "/inject" => admission.InvokeAsync(context),
            "/healthz" => WriteJsonAsync(context, StatusCodes.Status200OK, "ok"),
            "/readyz" => Ready(certificate, lifetime) is { } reason
                ? WriteJsonAsync(context, StatusCodes.Status503ServiceUnavailable, reason)
                : WriteJsonAsync(context, StatusCodes.Status200OK, "ok"),
            _ => WriteJsonAsync(context, StatusCodes.Status404NotFound, "not found: paths are /inject (POST), /healthz, /readyz, /metrics"),
        });
    }

    /// <summary>Null when ready: a certificate is loaded (it is, or no TLS client could have asked) and no SIGTERM came.</summary>
    private static string? Ready(ReloadingCertificate certificate, IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStopping.IsCancellationRequested ? "shutting down"
        : certificate.Current is null ? "no serving certificate loaded"
        : null;

    private static Task WriteJsonAsync(HttpContext context, int status, string text) =>
        Admin.AdminEndpoints.WriteJsonAsync(context, status, w => w.WriteString("status", text));
}
