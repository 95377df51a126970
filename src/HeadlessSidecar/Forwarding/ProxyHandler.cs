using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Connections;
using HeadlessSidecar.Forwarding.Http1;
using HeadlessSidecar.Limits;
using Microsoft.AspNetCore.Http.Features;
using HeadlessSidecar.LoadBalancing;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Routing;
using HeadlessSidecar.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// The terminal middleware of the proxy listeners: finds the service and route, picks the pod, forwards through
/// the pod's own pool, and answers errors itself. Plain requests (HTTP/1.x or h2c from the app) to HTTP/1.1 upstreams
/// take the lean <see cref="Http1Forwarder"/>; everything else (h2c upstreams, Upgrade, CONNECT) YARP's
/// <see cref="IHttpForwarder"/>.
/// </summary>
internal sealed partial class ProxyHandler
{
    // HEADLESS_SIDECAR_FORWARDER=yarp sends every request through YARP: a switch for A/B measurements, not configuration.
    private static readonly bool LeanPathDisabled =
        string.Equals(Environment.GetEnvironmentVariable("HEADLESS_SIDECAR_FORWARDER"), "yarp", StringComparison.OrdinalIgnoreCase);

    private readonly ListenerMap _listeners;
    private readonly IHttpForwarder _forwarder;
    private readonly ProxyMetrics _metrics;
    private readonly AccessLogWriter? _accessLog;
    private readonly DrainState _drain;
    private readonly ListenerLimiters _limiters;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ServiceRuntime, ForwarderRequestConfig> _configs = new();

    public ProxyHandler(ListenerMap listeners, IHttpForwarder forwarder, ProxyMetrics metrics, SidecarOptions options,
        TimeProvider time, DrainState drain, ListenerLimiters limiters, ILogger<ProxyHandler> logger)
    {
        _limiters = limiters;
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
            MarkIfDraining(context);
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
            service.Budget.RecordRequest();
            var decision = RouteResolver.Resolve(service, context.Request.Headers[RouteResolver.OrdinalHeader], host, binding.Ordinal);
            switch (decision.Kind)
            {
                case RouteKind.Error:
                    await FinishAsync(context, service, null, decision.Error!, decision.Detail!, started);
                    return;
                case RouteKind.Pinned when !decision.Pod!.IsUsable:
                    await FinishAsync(context, service, null, ProxyError.PodUnavailable, EjectedDetail(decision.Pod), started);
                    return;
            }
            await ForwardAsync(context, service, decision.Kind == RouteKind.Pinned ? decision.Pod : null, started);
        }
        finally
        {
            if (context.Features.Get<ProxyRequestState>() is { } state)
            {
                context.Features.Set<ProxyRequestState>(null);
                ProxyRequestState.Pool.Return(state);
            }
            _drain.RequestEnded();
        }
    }

    /// <summary>
    /// Contract section 4: a balanced request whose attempt fails before any response byte reached the app moves to
    /// a pod it has not tried, up to <c>Retry:MaxAttempts</c>, under the retry budget; pinned requests never move.
    /// </summary>
    private async Task ForwardAsync(HttpContext context, ServiceRuntime service, PodState? pinned, long started)
    {
        var options = service.Options;
        var request = context.Request;
        // Pooled with its timers and tried-list; InvokeAsync returns it when the request is over.
        var state = ProxyRequestState.Pool.Get();
        state.Service = service;
        context.Features.Set(state);
        var requestTimeout = state.StartRequestTimeout(options.Timeouts.Request, context.RequestAborted);
        var config = _configs.GetOrAdd(service, static s => ForwarderConfig(s.Options));
        var maxAttempts = pinned is null ? options.Retry.MaxAttempts : 1;
        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? false;
        var idempotent = IsIdempotent(request.Method);
        // Only a body that could be sent again is buffered: a POST (gRPC streaming among them) is never resent
        // once sent, and buffering it would hold a streaming call until the app had sent MaxReplayBodyBytes. A
        // connect failure needs no buffer: nothing of the body was read yet.
        using var body = hasBody && idempotent && maxAttempts > 1
            ? await ReplayableBody.CaptureAsync(request, options.Retry.MaxReplayBodyBytes, requestTimeout.Token)
            : null;
        // A request that may have reached a pod is sent again only when that is safe (contract section 4).
        var mayResend = !hasBody || idempotent && body is { CanReplay: true };
        var hashKey = options.HashHeader is { } header && request.Headers.TryGetValue(header, out var hashValues) ? hashValues.ToString() : null;

        var lean = UsesLeanPath(request, options);
        var appHost = request.Host.Value;
        var appHostIsSidecar = HostName.IsLoopback(HostName.Get(appHost));

        var tried = state.Tried;
        PodState? previous = null;
        AttemptFailure? failure = null;
        for (var attempt = 1; attempt <= maxAttempts; attempt++)
        {
            var pod = pinned ?? service.PickBalanced(tried, hashKey);
            if (pod is null)
            {
                break;
            }
            if (attempt == 1 && pinned is null && options.LoadBalancing == LoadBalancingMode.LowestOrdinal)
            {
                service.NoteServingPod(pod);
            }
            if (attempt > 1)
            {
                if (!service.Budget.TryAcquireRetry())
                {
                    _metrics.RetryBudgetExhausted(service.Name);
                    await FinishAsync(context, service, previous, ProxyError.RetryBudgetExhausted,
                        $"a retry after pod '{previous!.Name}' failed ({failure!.Value.Reason}) was refused: retries are over Retry:BudgetPercent ({options.Retry.BudgetPercent}%) of the last 10 s", started);
                    return;
                }
                _metrics.Failover(service.Name, previous!.Name, pod.Name, failure!.Value.Reason);
                state.FailoverReason = failure.Value.Reason;
                body?.Rewind(request);
                context.Response.StatusCode = StatusCodes.Status200OK;
                // A failed attempt may have cleared the response it had begun to copy.
                MarkIfDraining(context);
            }
            tried.Add(pod);
            state.Pod = pod;
            // Contract section 3: the app's Host goes upstream unless it names the sidecar, then the pod's own name.
            state.UpstreamHost = appHostIsSidecar ? pod.Endpoint.UpstreamHost : appHost;
            state.Attempts = attempt;
            state.InterceptedStatus = null;
            var canMoveOn = attempt < maxAttempts && pinned is null && service.HasUntriedCandidate(tried);
            state.InterceptRetryableStatus = canMoveOn && mayResend;

            // A per-attempt timer only when Timeouts:PerTry is set; otherwise the request's own token serves.
            var perTryTimeout = options.Timeouts.PerTry is { } perTry ? state.StartPerTryTimeout(perTry) : null;
            var perTryFired = false;
            ForwarderError result;
            Exception? leanException = null;
            pod.RequestStarted();
            try
            {
                var token = perTryTimeout?.Token ?? requestTimeout.Token;
                if (lean)
                {
                    (result, leanException) = await Http1Forwarder.SendAsync(context, pod.Pool, state.UpstreamHost!, state, token);
                }
                else
                {
                    result = await _forwarder.SendAsync(context, pod.Pool.DestinationPrefix, pod.Pool.Invoker, config, SidecarTransformer.Instance, token);
                }
            }
            finally
            {
                pod.RequestEnded();
                perTryFired = perTryTimeout is { IsCancellationRequested: true };
                state.EndPerTryTimeout();
            }

            if (result == ForwarderError.None && state.InterceptedStatus is null)
            {
                pod.Health.RecordSuccess();
                await FinishAsync(context, service, pod, null, null, started);
                return;
            }
            if ((lean ? leanException : context.GetForwarderErrorFeature()?.Exception) is PodOverloadedException overloaded)
            {
                // Section 11: refused before it waited; nothing was sent, so neither a pod failure nor a failover.
                _limiters.ForListen(options.Listen).Rejected(LimitKind.Pending);
                await FinishAsync(context, service, pod, ProxyError.PodOverloaded, overloaded.Message, started);
                return;
            }
            if (context.RequestAborted.IsCancellationRequested)
            {
                Log.ClientAborted(_logger, service.Name, pod.Name);
                await FinishAsync(context, service, pod, null, null, started);
                return;
            }
            if (requestTimeout.IsCancellationRequested)
            {
                service.RecordFailure(pod, AttemptFailure.Timeout);
                await FinishAsync(context, service, pod, ProxyError.UpstreamTimeout,
                    $"no complete answer from pod '{pod.Name}' within Timeouts:Request ({options.Timeouts.Request})", started);
                return;
            }
            var current = state.InterceptedStatus is int status
                ? AttemptFailure.Status(status)
                : perTryFired && options.Timeouts.PerTry is { } limit
                    ? AttemptFailure.PerTryTimeout(limit)
                    : AttemptFailure.Classify(result, lean ? leanException : context.GetForwarderErrorFeature()?.Exception);
            Log.AttemptFailed(_logger, service.Name, pod.Name, current.Reason, current.Detail);
            service.RecordFailure(pod, current.Reason);
            if (current.Reason is AttemptFailure.ConnectError or AttemptFailure.Reset)
            {
                // The pod may have restarted at a new address: look again sooner than the TTL says.
                service.RequestRefresh?.Invoke();
            }
            failure = current;
            previous = pod;
            if (context.Response.HasStarted || !canMoveOn || current.RequestSent && !mayResend)
            {
                break;
            }
        }
        if (failure is not { } f)
        {
            // Not one attempt: no usable pod to begin with.
            await FinishAsync(context, service, null, ProxyError.NoEndpoints, NoEndpointsDetail(service), started);
            return;
        }
        await FinishAsync(context, service, previous, ProxyError.UpstreamFailed, $"pod '{previous!.Name}' ({previous.Endpoint.EndPoint}): {f.Detail}", started);
    }

    private static ForwarderRequestConfig ForwarderConfig(ServiceOptions options) => new()
    {
        // Our Timeouts:Request timer must fire first (504); YARP's idle timer is only a backstop.
        ActivityTimeout = options.Timeouts.Request + TimeSpan.FromSeconds(1),
        Version = options.UpstreamHttpVersion,
        VersionPolicy = options.UpstreamHttpVersion.Major >= 2 ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
    };

    /// <summary>The lean forwarder speaks plain HTTP/1.1 upstream: no protocol switch, no tunnel, no h2c. The app may
    /// speak HTTP/1.x or h2c to the sidecar (an h2c request to an HTTP/1.1 pod is translated either way).</summary>
    private static bool UsesLeanPath(HttpRequest request, ServiceOptions options) =>
        !LeanPathDisabled &&
        options.UpstreamHttpVersion == HttpVersion.Version11 &&
        (HttpProtocol.IsHttp11(request.Protocol) || HttpProtocol.IsHttp10(request.Protocol) || HttpProtocol.IsHttp2(request.Protocol)) &&
        !HttpMethods.IsConnect(request.Method) &&
        request.Headers.Upgrade.Count == 0;

    /// <summary>Draining: this answer ends the keep-alive connection, so the app reconnects elsewhere (as Envoy does).</summary>
    private void MarkIfDraining(HttpContext context)
    {
        if (_drain.IsDraining && !context.Response.HasStarted && context.Request.Protocol == "HTTP/1.1")
        {
            context.Response.Headers.Connection = "close";
        }
    }

    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) ||
        HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsTrace(method);

    private static string EjectedDetail(PodState pod) => pod.Removed
        ? $"pod '{pod.Name}' has left the set"
        : $"pod '{pod.Name}' is ejected ({pod.Health.EjectReason}) until {pod.Health.EjectedUntil:O}";

    private async Task FinishAsync(HttpContext context, ServiceRuntime? service, PodState? pod, ProxyError? error, string? detail, long started)
    {
        if (error is not null)
        {
            MarkIfDraining(context);
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

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Service {Service}: attempt on pod {Pod} failed ({Error}): {Reason}")]
        public static partial void AttemptFailed(ILogger logger, string service, string pod, string error, string reason);

        [LoggerMessage(2, LogLevel.Debug, "Service {Service}: the app aborted its request to pod {Pod}")]
        public static partial void ClientAborted(ILogger logger, string service, string pod);
    }
}
