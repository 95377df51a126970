using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Health.Probes;
using HeadlessSidecar.Runtime;
using HeadlessSidecar.Tls;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Health;

/// <summary>
/// Active health (contract section 4): every <c>ProbeInterval</c>, each pod of a service with a
/// <c>Health:Check</c> is probed, bounded by <c>ProbeTimeout</c>. A failed probe counts toward
/// <c>ConsecutiveFailures</c>; a passing one returns a pod whose ejection has run out.
/// </summary>
internal sealed partial class HealthProber : BackgroundService
{
    private readonly ServiceRuntimeRegistry _registry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public HealthProber(ServiceRuntimeRegistry registry, TimeProvider time, ILogger<HealthProber> logger)
    {
        _registry = registry;
        _time = time;
        _logger = logger;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var service in _registry.Services.Values)
        {
            if (ServiceRuntime.ActiveCheck(service.Options) is { } check)
            {
                loops.Add(ProbeLoopAsync(service, check, stoppingToken));
            }
        }
        return Task.WhenAll(loops);
    }

    private async Task ProbeLoopAsync(ServiceRuntime service, string check, CancellationToken stoppingToken)
    {
        var health = service.Options.Health;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = health.ProbeTimeout,
            PooledConnectionIdleTimeout = health.ProbeInterval * 2,
        };
        if (service.Options.Tls.Enabled)
        {
            // HTTP and gRPC probes of a TLS service speak TLS too, over the callback's SslStream (https://address:port, as the pools').
            handler.ConnectCallback = (context, token) => ConnectTlsAsync(service, context, token);
        }
        using var client = new HttpClient(handler)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Log.Probing(_logger, service.Name, check, health.ProbeInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            var pods = service.Table.Pods;
            var credentials = LoadCredentials(service);
            var probes = new Task[pods.Length];
            for (var i = 0; i < pods.Length; i++)
            {
                probes[i] = ProbeAsync(service, pods[i], check, client, credentials, stoppingToken);
            }
            await Task.WhenAll(probes);
            service.NoteRoles();
            try
            {
                await Task.Delay(health.ProbeInterval, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ProbeAsync(ServiceRuntime service, PodState pod, string check, HttpClient client, ProbeCredentials? credentials, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(service.Options.Health.ProbeTimeout);
        string? failure;
        try
        {
            failure = check switch
            {
                "Http" => await ProbeHttpAsync(service, pod, client, timeout.Token),
                "Connect" => await ProbeConnectAsync(service, pod, timeout.Token),
                "Grpc" => await GrpcHealthProbe.ProbeAsync(client, pod.Pool.DestinationPrefix, service.Options.Health.GrpcService, timeout.Token),
                _ => await ProbeProtocolAsync(service, pod, ProtocolProbes.ForCheck(check)!, credentials, timeout.Token),
            };
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (OperationCanceledException)
        {
            failure = $"no answer within ProbeTimeout ({service.Options.Health.ProbeTimeout})";
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException)
        {
            failure = ex.Message;
        }
        if (pod.Removed)
        {
            return;
        }
        if (failure is not null)
        {
            Log.ProbeFailed(_logger, service.Name, pod.Name, failure);
        }
        service.RecordProbe(pod, failure is null, failure is null ? null : PodHealth.ProbeFailedReason);
    }

    private static async Task<string?> ProbeHttpAsync(ServiceRuntime service, PodState pod, HttpClient client, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pod.Pool.DestinationPrefix + service.Options.Health.ProbePath);
        request.Headers.Host = pod.Endpoint.HostName.TrimEnd('.');
        request.Headers.UserAgent.ParseAdd("headless-sidecar-probe");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (int)response.StatusCode;
        return status is >= 200 and < 400 ? null : $"GET {service.Options.Health.ProbePath} answered {status}";
    }

    /// <summary>The protocol's own exchange (Redis, MySql, ZooKeeper, Ldap); records the role the pod answered with.</summary>
    private static async Task<string?> ProbeProtocolAsync(ServiceRuntime service, PodState pod, IProtocolProbe probe, ProbeCredentials? credentials, CancellationToken cancellationToken)
    {
        using var socket = new Socket(pod.Endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(pod.Endpoint.EndPoint, cancellationToken);
        }
        catch
        {
            pod.Role = PodRole.Unknown;
            throw;
        }
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        await using var owned = stream;
        if (pod.Pool.Tls is { } tls)
        {
            try
            {
                stream = (await tls.AuthenticateAsync(stream, pod.Endpoint, TlsAlpn.None, service.Options.Timeouts.Connect, cancellationToken)).Stream;
            }
            catch (TlsHandshakeException)
            {
                pod.Role = PodRole.Unknown;
                throw;
            }
        }
        await using var session = stream;
        var result = await probe.ProbeAsync(stream, credentials, cancellationToken);
        pod.Role = result.Healthy ? result.Role : PodRole.Unknown;
        return result.Healthy ? null : result.Failure ?? "unhealthy";
    }

    /// <summary>Read each round, so a rotated Secret is picked up; the content never reaches a log.</summary>
    private ProbeCredentials? LoadCredentials(ServiceRuntime service)
    {
        if (service.Options.Health.CredentialsFile is not { } path)
        {
            return null;
        }
        try
        {
            return ProbeCredentials.Load(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.CredentialsUnreadable(_logger, service.Name, path, ex.GetType().Name);
            return null;
        }
    }

    /// <summary>A TCP connect, and with <c>Tls</c> a completed handshake.</summary>
    private static async Task<string?> ProbeConnectAsync(ServiceRuntime service, PodState pod, CancellationToken cancellationToken)
    {
        using var socket = new Socket(pod.Endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(pod.Endpoint.EndPoint, cancellationToken);
        if (pod.Pool.Tls is { } tls)
        {
            var alpn = service.Options.Protocol == Configuration.ServiceProtocol.Tcp ? TlsAlpn.None
                : service.Options.UpstreamHttpVersion.Major >= 2 ? TlsAlpn.Http2 : TlsAlpn.Http11;
            var stream = await tls.AuthenticateAsync(new NetworkStream(socket, ownsSocket: false), pod.Endpoint, alpn, service.Options.Timeouts.Connect, cancellationToken);
            await stream.Stream.DisposeAsync();
        }
        return null;
    }

    /// <summary>The probe client's connections to a TLS service: the pod is found by the address the URI names.</summary>
    private static async ValueTask<Stream> ConnectTlsAsync(ServiceRuntime service, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endPoint = context.DnsEndPoint;
        PodState? pod = null;
        if (IPAddress.TryParse(endPoint.Host.Trim('[', ']'), out var address))
        {
            foreach (var candidate in service.Table.Pods)
            {
                if (candidate.Endpoint.Port == endPoint.Port && candidate.Endpoint.Address.Equals(address))
                {
                    pod = candidate;
                    break;
                }
            }
        }
        if (pod?.Pool.Tls is not { } tls)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"no TLS pod at {endPoint.Host}:{endPoint.Port}");
        }
        var socket = new Socket(pod.Endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(pod.Endpoint.EndPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var alpn = context.InitialRequestMessage.Version.Major >= 2 ? TlsAlpn.Http2 : TlsAlpn.Http11;
        var stream = await tls.AuthenticateAsync(new NetworkStream(socket, ownsSocket: true), pod.Endpoint, alpn, service.Options.Timeouts.Connect, cancellationToken);
        return stream.Stream;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Service {Service}: active health {Check} every {Interval}")]
        public static partial void Probing(ILogger logger, string service, string check, TimeSpan interval);

        [LoggerMessage(2, LogLevel.Warning, "Service {Service}: probe of pod {Pod} failed: {Reason}")]
        public static partial void ProbeFailed(ILogger logger, string service, string pod, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Service {Service}: cannot read Health:CredentialsFile '{Path}' ({Error}); probing without credentials")]
        public static partial void CredentialsUnreadable(ILogger logger, string service, string path, string error);
    }
}
