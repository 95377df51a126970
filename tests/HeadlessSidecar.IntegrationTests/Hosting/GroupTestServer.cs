using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using HeadlessSidecar.Hosting;

namespace HeadlessSidecar.IntegrationTests.Hosting;

/// <summary>A real Kestrel on loopback with the listener-group transport; answers "{protocol} {local port}" by default.</summary>
internal sealed class GroupTestServer : IAsyncDisposable
{
    private GroupTestServer(WebApplication app) => App = app;

    public WebApplication App { get; }

    public static async Task<GroupTestServer> StartAsync(Action<KestrelServerOptions> listen, RequestDelegate? handler = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddListenerGroups();
        builder.WebHost.ConfigureKestrel(listen);
        var app = builder.Build();
        app.Run(handler ?? DescribeRequest);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new GroupTestServer(app);
    }

    public static Task DescribeRequest(HttpContext context) =>
        context.Response.WriteAsync($"{context.Request.Protocol} {context.Connection.LocalPort}");

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }
}
