using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.AspNetCore.Server.Model;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using HeadlessSidecar.IntegrationTests.Sidecar.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A gRPC pod over TLS: Grpc.AspNetCore in-process, Kestrel HTTPS offering only HTTP/2 (ALPN <c>h2</c>), serving
/// <see cref="TestGrpcService"/> and <c>grpc.health.v1.Health</c>. It records, per call, the negotiated ALPN
/// protocol, the SNI name and the client certificate's subject, so a test sees what the sidecar presented.
/// </summary>
internal sealed class GrpcTlsPod : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile string? _lastServerName;
    private volatile string? _lastClientSubject;
    private volatile string? _lastAlpn;

    private GrpcTlsPod(string name, IPAddress address, int port, WebApplication app, HealthServiceImpl health, GrpcPodBehaviour behaviour)
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

    public IPEndPoint EndPoint => new(Address, Port);

    public HealthServiceImpl Health { get; }

    public GrpcPodBehaviour Behaviour { get; }

    /// <summary>The SNI name of the last request's connection (null: none was sent).</summary>
    public string? LastServerName => _lastServerName;

    /// <summary>The client certificate subject of the last request's connection (null: none).</summary>
    public string? LastClientSubject => _lastClientSubject;

    /// <summary>The ALPN protocol of the last request's connection (<c>h2</c>).</summary>
    public string? LastAlpn => _lastAlpn;

    /// <summary>
    /// Starts the pod serving <paramref name="certificate"/> (its chain included). With
    /// <see cref="TlsClientVerification.Required"/> the handshake fails unless the client presents a certificate
    /// chaining to <paramref name="clientCaPath"/>.
    /// </summary>
    public static async Task<GrpcTlsPod> StartAsync(
        string name,
        IPAddress address,
        int port,
        TlsFiles certificate,
        TlsClientVerification clientVerification = TlsClientVerification.Off,
        string? clientCaPath = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (clientVerification != TlsClientVerification.Off && clientCaPath is null)
        {
            throw new ArgumentException("Verifying client certificates needs the roots to verify them against.", nameof(clientCaPath));
        }

        var serverCertificate = X509Certificate2.CreateFromPemFile(certificate.CertificatePath, certificate.KeyPath);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certificate.CertificatePath);
        var clientRoots = new X509Certificate2Collection();
        if (clientCaPath is not null)
        {
            clientRoots.ImportFromPemFile(clientCaPath);
        }

        var behaviour = new GrpcPodBehaviour(name);
        var health = new HealthServiceImpl();
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = $"grpc-tls-pod-{name}",
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = serverCertificate;
                https.ServerCertificateChain = chain;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                https.ClientCertificateMode = clientVerification switch
                {
                    TlsClientVerification.Off => ClientCertificateMode.NoCertificate,
                    TlsClientVerification.Optional => ClientCertificateMode.AllowCertificate,
                    _ => ClientCertificateMode.RequireCertificate,
                };
                https.ClientCertificateValidation = (client, presented, _) => ChainsTo(client, presented, clientRoots);
            });
        }));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(behaviour);
        builder.Services.AddSingleton(health);
        builder.Services.AddSingleton<IServiceMethodProvider<TestGrpcService>, TestGrpcService.Methods>();
        var app = builder.Build();
        GrpcTlsPod? pod = null;
        app.Use((context, next) =>
        {
            var tls = context.Features.Get<ISslStreamFeature>()?.SslStream;
            pod!._lastServerName = tls?.TargetHostName is { Length: > 0 } host ? host : null;
            pod._lastAlpn = tls?.NegotiatedApplicationProtocol.ToString();
            pod._lastClientSubject = context.Connection.ClientCertificate?.Subject;
            return next(context);
        });
        app.MapGrpcService<TestGrpcService>();
        app.MapGrpcService<HealthServiceImpl>();
        pod = new GrpcTlsPod(name, address, port, app, health, behaviour);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return pod;
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

    /// <summary>Verifies like a server with only the root: intermediates must come from the client's own chain.</summary>
    private static bool ChainsTo(X509Certificate2 client, X509Chain? presented, X509Certificate2Collection roots)
    {
        if (roots.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }
        return chain.Build(client);
    }
}
