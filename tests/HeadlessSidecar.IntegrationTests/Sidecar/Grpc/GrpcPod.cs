using System.Net;
using Grpc.AspNetCore.Server.Model;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.IntegrationTests.Sidecar.Grpc;

/// <summary>
/// A real Grpc.AspNetCore server standing in for one pod: h2c on its own loopback address, serving
/// <see cref="TestGrpcService"/> and <c>grpc.health.v1.Health</c> (SERVING until a test says otherwise).
/// </summary>
internal sealed class GrpcPod : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcPod(string name, IPAddress address, int port, WebApplication app, HealthServiceImpl health, GrpcPodBehaviour behaviour)
    {
        Name = name;
        Address = address;
        Port = port;
        _app = app;
        Health = health;
        Behaviour = behaviour;
    }

    public string Name { get; }

    public IPAddress Address { get; }

    public int Port { get; }

    public HealthServiceImpl Health { get; }

    public GrpcPodBehaviour Behaviour { get; }

    public static async Task<GrpcPod> StartAsync(string name, IPAddress address, int port, CancellationToken cancellationToken)
    {
        var behaviour = new GrpcPodBehaviour(name);
        var health = new HealthServiceImpl();
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = $"grpc-pod-{name}",
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(behaviour);
        builder.Services.AddSingleton(health);
        builder.Services.AddSingleton<IServiceMethodProvider<TestGrpcService>, TestGrpcService.Methods>();
        var app = builder.Build();
        app.MapGrpcService<TestGrpcService>();
        app.MapGrpcService<HealthServiceImpl>();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new GrpcPod(name, address, port, app, health, behaviour);
    }

    public void SetServing(bool serving) => Health.SetStatus("", serving
        ? HealthCheckResponse.Types.ServingStatus.Serving
        : HealthCheckResponse.Types.ServingStatus.NotServing);

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();
        try
        {
            await _app.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Streams still open are cut: the point of a pod going away.
        }
        await _app.DisposeAsync();
    }
}
