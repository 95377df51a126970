using System.Text.Encodings.Web;
using System.Text.Json;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Reload;
using HeadlessSidecar.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessSidecar.Admin;

/// <summary>
/// Contract section 6: /healthz, /readyz, /status, /debug/peers, /debug/config (and /metrics, mapped by the exporter). /status and
/// /debug/* answer loopback clients only unless <c>Sidecar:Admin:DebugAccess</c> is <c>Any</c>.
/// </summary>
internal static class AdminEndpoints
{
    private const string Paths = "/metrics, /healthz, /readyz, /status, /debug/peers, /debug/config";

    public static void Map(IApplicationBuilder app)
    {
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Request.Path == "/metrics");
        app.Run(context =>
        {
            if (AdminAccess.IsRestricted(context.Request.Path))
            {
                var access = CurrentOptions(context.RequestServices).AdminDebugAccess;
                if (!AdminAccess.IsAllowed(access, context.Connection.RemoteIpAddress))
                {
                    return WriteJsonAsync(context, 403, w =>
                    {
                        w.WriteString("error", "forbidden");
                        w.WriteString("detail", "/status and /debug/* answer loopback clients only (kubectl port-forward); Sidecar:Admin:DebugAccess 'Any' opens them to every client");
                    });
                }
            }
            return context.Request.Path.Value switch
            {
                "/healthz" => WriteJsonAsync(context, 200, w => w.WriteString("status", "ok")),
                "/readyz" => ReadyAsync(context),
                "/status" => StatusPage.WriteAsync(context),
                "/debug/peers" => PeersAsync(context),
                "/debug/config" => ConfigAsync(context),
                _ => WriteJsonAsync(context, 404, w =>
                {
                    w.WriteString("error", "not_found");
                    w.WriteString("detail", $"admin paths: {Paths}");
                }),
            };
        });
    }

    /// <summary>The configuration in effect (a reload's), or start-up's where no runtime runs (the admin pipeline alone).</summary>
    private static SidecarOptions CurrentOptions(IServiceProvider services) =>
        services.GetService<ServiceRuntimeRegistry>()?.Options ?? services.GetRequiredService<SidecarOptions>();

    private static Task ReadyAsync(HttpContext context)
    {
        var drain = context.RequestServices.GetRequiredService<DrainState>();
        var runtimes = context.RequestServices.GetRequiredService<ServiceRuntimeRegistry>();
        string? reason = null;
        if (drain.IsStopping)
        {
            reason = "draining: shutting down";
        }
        else
        {
            var pending = runtimes.Services.Values.Where(s => s.RequiredForReadiness && !s.Ready).Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
            if (pending.Count > 0)
            {
                reason = $"waiting for the first DNS resolution of: {string.Join(", ", pending)}";
            }
        }
        return WriteJsonAsync(context, reason is null ? 200 : 503, w =>
        {
            w.WriteBoolean("ready", reason is null);
            if (reason is not null)
            {
                w.WriteString("reason", reason);
            }
        });
    }

    private static Task PeersAsync(HttpContext context)
    {
        var registry = context.RequestServices.GetRequiredService<ServiceRuntimeRegistry>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        return WriteJsonAsync(context, 200, w =>
        {
            // The sidecar's clock, so a reader on another machine (the status page) can say "3 s ago" correctly.
            w.WriteString("now", time.GetUtcNow());
            w.WriteStartArray("services");
            foreach (var service in registry.Services.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                var snapshot = service.Snapshot;
                w.WriteStartObject();
                w.WriteString("name", service.Name);
                w.WriteString("host", snapshot.Host);
                w.WriteString("protocol", service.Options.Protocol.ToString());
                if (snapshot.LastResolvedAt is { } at)
                {
                    w.WriteString("lastResolution", at);
                }
                else
                {
                    w.WriteNull("lastResolution");
                }
                w.WriteString("lastResult", ResultName(snapshot.LastResult));
                w.WriteBoolean("stale", snapshot.Stale);
                if (snapshot.Error is not null)
                {
                    w.WriteString("error", snapshot.Error);
                }
                w.WriteStartArray("pods");
                foreach (var pod in service.Table.Pods)
                {
                    w.WriteStartObject();
                    w.WriteString("name", pod.Name);
                    if (pod.Ordinal is int ordinal)
                    {
                        w.WriteNumber("ordinal", ordinal);
                    }
                    else
                    {
                        w.WriteNull("ordinal");
                    }
                    w.WriteString("address", pod.Endpoint.Address.ToString());
                    w.WriteNumber("port", pod.Endpoint.Port);
                    w.WriteString("hostname", pod.Endpoint.HostName);
                    var health = pod.Health.Snapshot();
                    w.WriteString("state", pod.Health.IsEjected ? "ejected" : "healthy");
                    if (pod.Health.IsEjected)
                    {
                        if (health.EjectedUntil is { } until)
                        {
                            w.WriteString("ejectedUntil", until);
                        }
                        w.WriteString("ejectReason", health.EjectReason);
                    }
                    w.WriteNumber("consecutiveFailures", pod.Health.ConsecutiveFailures);
                    if (pod.Role != Health.Probes.PodRole.Unknown)
                    {
                        w.WriteString("role", pod.Role == Health.Probes.PodRole.Primary ? "primary" : "replica");
                    }
                    w.WriteNumber("activeRequests", pod.ActiveRequests);
                    // A Tcp service has no pool: each open session (or connect under way) is one upstream connection.
                    w.WriteNumber("openConnections", service.Options.Protocol == Configuration.ServiceProtocol.Tcp ? pod.ActiveRequests : pod.Pool.OpenConnections);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteNumber("failoversTotal", service.Failovers.Total);
                w.WriteStartArray("recentFailovers");
                foreach (var failover in service.Failovers.Recent)
                {
                    w.WriteStartObject();
                    w.WriteString("at", failover.At);
                    w.WriteString("from", failover.From);
                    w.WriteString("to", failover.To);
                    w.WriteString("reason", failover.Reason);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static Task ConfigAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            // Read-only: a configuration changes through its files (or SIGHUP), never through the admin port.
            context.Response.Headers.Allow = "GET, HEAD";
            return WriteJsonAsync(context, 405, w =>
            {
                w.WriteString("error", "method_not_allowed");
                w.WriteString("detail", "/debug/config is read-only: change the configuration files (they are reloaded on change) or send SIGHUP");
            });
        }
        var current = context.RequestServices.GetRequiredService<IConfigurationApplier>().Current;
        var origin = context.RequestServices.GetService<ConfigurationOrigin>();
        var resolvConf = context.RequestServices.GetRequiredService<ResolvConf>();
        return WriteJsonAsync(context, 200, w =>
        {
            // The files the configuration was read from (environment variables and overrides won over them).
            w.WriteStartArray("files");
            foreach (var file in origin?.WatchedFiles() ?? [])
            {
                w.WriteStringValue(file);
            }
            w.WriteEndArray();
            EffectiveConfiguration.Write(w, current, resolvConf);
        });
    }

    internal static string ResultName(ResolutionResult result) => result switch
    {
        ResolutionResult.Success => "success",
        ResolutionResult.NxDomain => "nxdomain",
        ResolutionResult.Empty => "empty",
        ResolutionResult.Error => "error",
        _ => "pending",
    };

    /// <summary>A small JSON answer, the shape every admin-style endpoint (the sidecar's and the webhook's) uses.</summary>
    internal static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        await context.Response.BodyWriter.WriteAsync("\n"u8.ToArray());
    }
}
