using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.LoadBalancing;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Routing;
using HeadlessSidecar.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// The terminal middleware of the proxy listeners: finds the service and route, picks the pod, forwards with
/// YARP's <see cref="IHttpForwarder"/> through the pod's own pool, and answers errors itself.
/// </summary>
internal sealed partial class ProxyHandler
{
    private readonly ListenerMap _listeners;
    private readonly IHttpForwarder _forwarder;
    private readonly ProxyMetrics _metrics;
    private readonly AccessLogWriter? _accessLog;
    private readonly DrainState _drain;
    private readonly ILogger _logger;

    public ProxyHandler(ListenerMap listeners, IHttpForwarder forwarder, ProxyMetrics metrics, SidecarOptions options,
        TimeProvider time, DrainState drain, ILogger<ProxyHandler> logger)
    {
        _listeners = listeners;
        _forwarder = forwarder;
        _metrics = metrics;
        _drain = drain;
        _logger = logger;
        _accessLog = options.AccessLog ? new AccessLogWriter(time) : null;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        _drain.RequestStarted();
        try
        {
            if (_drain.IsDraining && context.Request.Protocol == "HTTP/1.1")
            {
                // Draining: finish this request, then let the app reconnect elsewhere (Envoy does the same).
                context.Response.Headers.Connection = "close";
            }
            var binding = _listeners.Find(context.Connection.LocalIpAddress, context.Connection.LocalPort);
            if (binding is null)
            {
                await FinishAsync(context, null, null, ProxyError.UnknownService, "no service listens on this address", started);
                return;
            }
            var host = context.Request.Host.Value;
            var service = RouteResolver.SelectService(binding.Services, host);
            if (service is null)
            {
                await FinishAsync(context, null, null, ProxyError.UnknownService,
                    $"no service on this listener matches Host '{host}'", started);
                return;
            }
            var decision = RouteResolver.Resolve(service, context.Request.Headers[RouteResolver.OrdinalHeader], host, binding.Ordinal);
            PodState? pod;
            switch (decision.Kind)
            {
                case RouteKind.Error:
                    await FinishAsync(context, service, null, decision.Error!, decision.Detail!, started);
                    return;
                case RouteKind.Pinned:
                    pod = decision.Pod!;
                    break;
                default:
                    pod = service.Policy.Pick(service.Table.Pods, new PickContext(null));
                    if (pod is null)
                    {
                        await FinishAsync(context, service, null, ProxyError.NoEndpoints, NoEndpointsDetail(service), started);
                        return;
                    }
                    break;
            }
            await ForwardAsync(context, service, pod, started);
        }
        finally
        {
            _drain.RequestEnded();
        }
    }

    private async Task ForwardAsync(HttpContext context, ServiceRuntime service, PodState pod, long started)
    {
        var options = service.Options;
        var state = new ProxyRequestState { Service = service, Pod = pod, Attempts = 1 };
        context.Features.Set(state);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(options.Timeouts.Request);
        var config = new ForwarderRequestConfig
        {
            ActivityTimeout = options.Timeouts.Request,
            Version = options.UpstreamHttpVersion,
            VersionPolicy = options.UpstreamHttpVersion.Major >= 2 ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        };
        ProxyError? error = null;
        string? detail = null;
        pod.RequestStarted();
        try
        {
            var result = await _forwarder.SendAsync(context, pod.Pool.DestinationPrefix, pod.Pool.Invoker, config, SidecarTransformer.Instance, timeout.Token);
            if (result != ForwarderError.None)
            {
                var exception = context.GetForwarderErrorFeature()?.Exception;
                if (context.RequestAborted.IsCancellationRequested)
                {
                    Log.ClientAborted(_logger, service.Name, pod.Name);
                }
                else if (timeout.IsCancellationRequested || result == ForwarderError.RequestTimedOut)
                {
                    error = ProxyError.UpstreamTimeout;
                    detail = $"no complete answer from pod '{pod.Name}' within Timeouts:Request ({options.Timeouts.Request})";
                }
                else
                {
                    error = ProxyError.UpstreamFailed;
                    detail = $"pod '{pod.Name}' ({pod.Endpoint.EndPoint}): {Describe(result, exception)}";
                }
                if (error is not null)
                {
                    Log.AttemptFailed(_logger, service.Name, pod.Name, result.ToString(), exception?.Message ?? "");
                }
            }
        }
        finally
        {
            pod.RequestEnded();
        }
        await FinishAsync(context, service, pod, error, detail, started);
    }

    private async Task FinishAsync(HttpContext context, ServiceRuntime? service, PodState? pod, ProxyError? error, string? detail, long started)
    {
        if (error is not null)
        {
            await ErrorResponder.WriteAsync(context, error, detail!);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        var serviceName = service?.Name ?? "none";
        var podName = pod?.Name ?? "none";
        var status = context.Response.StatusCode;
        if (service is not null)
        {
            _metrics.RequestCompleted(serviceName, podName, status, elapsed);
        }
        if (_accessLog is not null)
        {
            var state = context.Features.Get<ProxyRequestState>();
            _accessLog.Write(new AccessLogEntry(serviceName, podName, context.Request.Method, context.Request.Path.Value ?? "/",
                context.Request.Protocol, status, error?.Code, state?.Attempts ?? 0, state?.FailoverReason,
                context.Request.ContentLength ?? 0, context.Response.ContentLength ?? 0, elapsed));
        }
    }

    private static string NoEndpointsDetail(ServiceRuntime service)
    {
        var snapshot = service.Snapshot;
        return snapshot.LastResult switch
        {
            Discovery.ResolutionResult.Pending => $"service '{service.Name}' has not been resolved yet",
            Discovery.ResolutionResult.NxDomain => $"service '{service.Name}': {snapshot.Host} does not exist in DNS (NXDOMAIN)",
            Discovery.ResolutionResult.Empty => $"service '{service.Name}' has no ready pods in DNS",
            Discovery.ResolutionResult.Error => $"service '{service.Name}': DNS has failed for longer than Dns:MaxStale ({snapshot.Error})",
            _ => $"service '{service.Name}' has no usable pod",
        };
    }

    internal static string Describe(ForwarderError error, Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.ConnectionReset => "connection reset",
                    SocketError.TimedOut => "connect timed out",
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
                    _ => socket.SocketErrorCode.ToString(),
                };
            }
            if (e is TimeoutException)
            {
                return "connect timed out";
            }
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded })
            {
                return "connection closed before a response";
            }
        }
        return exception?.Message ?? error.ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Service {Service}: request to pod {Pod} failed ({Error}): {Reason}")]
        public static partial void AttemptFailed(ILogger logger, string service, string pod, string error, string reason);

        [LoggerMessage(2, LogLevel.Debug, "Service {Service}: the app aborted its request to pod {Pod}")]
        public static partial void ClientAborted(ILogger logger, string service, string pod);
    }
}
