using System.Net;
using System.Text.Json;
using HeadlessSidecar.Admin;
using HeadlessSidecar.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace HeadlessSidecar.Tests.Admin;

/// <summary>
/// Contract section 6's access rule through the admin pipeline itself, with the client's address set on the
/// connection: no test may dial a non-loopback address, so an off-loopback client is simulated here, and the
/// integration tests cover the loopback path over real sockets.
/// </summary>
public sealed class AdminEndpointsAccessTests
{
    private static async Task<(int Status, string Body)> GetAsync(string path, IPAddress remote, DebugAccess access)
    {
        var services = new ServiceCollection();
        services.AddSingleton(new SidecarOptions { AdminDebugAccess = access });
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter());
        await using var provider = services.BuildServiceProvider();
        var app = new ApplicationBuilder(provider);
        AdminEndpoints.Map(app);
        var pipeline = app.Build();

        var context = new DefaultHttpContext { RequestServices = provider };
        context.Request.Method = "GET";
        context.Request.Path = path;
        context.Connection.RemoteIpAddress = remote;
        using var body = new MemoryStream();
        context.Response.Body = body;
        await pipeline(context);
        await context.Response.CompleteAsync();
        return (context.Response.StatusCode, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    [Theory]
    [InlineData("/status")]
    [InlineData("/STATUS")]
    [InlineData("/debug/peers")]
    [InlineData("/debug/config")]
    [InlineData("/debug/anything")]
    public async Task Map_RestrictedPathFromPodNetworkByDefault_403Forbidden(string path)
    {
        var (status, body) = await GetAsync(path, IPAddress.Parse("10.244.1.7"), DebugAccess.Loopback);

        Assert.Equal(403, status);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("forbidden", json.RootElement.GetProperty("error").GetString());
        Assert.Contains("Sidecar:Admin:DebugAccess", json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_HealthzFromPodNetwork_Answers()
    {
        var (status, _) = await GetAsync("/healthz", IPAddress.Parse("10.244.1.7"), DebugAccess.Loopback);

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Map_StatusFromPodNetworkWithDebugAccessAny_Answers()
    {
        var (status, body) = await GetAsync("/status", IPAddress.Parse("10.244.1.7"), DebugAccess.Any);

        Assert.Equal(200, status);
        Assert.StartsWith("<!doctype html>", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_StatusFromMappedLoopback_Answers()
    {
        var (status, _) = await GetAsync("/status", IPAddress.Parse("::ffff:127.0.0.1"), DebugAccess.Loopback);

        Assert.Equal(200, status);
    }
}
