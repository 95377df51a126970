using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Connections;
using HeadlessSidecar.Forwarding.Grpc;
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
    private readonly AccessLogWriter _accessLog;
    private readonly ServiceRuntimeRegistry _registry;
    private readonly DrainState _drain;
    private readonly ListenerLimiters _limiters;
    private readonly ILogger _logger;
    // Per settings snapshot: a reload's new Timeouts or UpstreamHttpVersion make a new one, and the old entry goes with it.
    private readonly ConditionalWeakTable<ServiceSettings, ForwarderRequestConfig> _configs = new();
    private readonly ConditionalWeakTable<ServiceSettings, ForwarderRequestConfig> _grpcConfigs = new();

    public ProxyHandler(ListenerMap listeners, IHttpForwarder forwarder, ProxyMetrics metrics, ServiceRuntimeRegistry registry,
        TimeProvider time, AccessLogWriter accessLog, DrainState drain, ListenerLimiters limiters, ILogger<ProxyHandler> logger)
    {
        _registry = registry;
        _limiters = limiters;
        _listeners = listeners;
        _forwarder = forwarder;
        _metrics = metrics;
        _drain = drain;
        _logger = logger;
        _accessLog = accessLog;
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
            if (RequestFraming.Check(context.Request) is { } problem)
            {
                // Refused before anything is forwarded; the connection ends, so no one reads the rest by any framing.
                CloseAfterAnswer(context);
                await FinishAsync(context, service, null, problem.Error, problem.Detail, started);
                return;
            }
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
        var settings = service.Settings;
        var options = settings.Options;
        var request = context.Request;
        // Pooled with its timers and tried-list; InvokeAsync returns it when the request is over.
        var state = ProxyRequestState.Pool.Get();
        state.Service = service;
        context.Features.Set(state);
        // Contract section 2: a gRPC call's own deadline bounds it; without one, Request bounds only the wait for headers.
        var grpc = GrpcRequest.IsGrpc(request);
        var grpcDeadline = grpc ? GrpcCall.Begin(context, state) : null;
        var requestTimeout = state.StartRequestTimeout(grpcDeadline ?? options.Timeouts.Request, context.RequestAborted);
        var config = grpc
            ? _grpcConfigs.GetValue(settings, static s => GrpcCall.ForwarderConfig(ForwarderConfig(s.Options)))
            : _configs.GetValue(settings, static s => ForwarderConfig(s.Options));
        var maxAttempts = pinned is null ? options.Retry.MaxAttempts : 1;
        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? false;
        var idempotent = IsIdempotent(request.Method);
        // A body that could be sent again is buffered (up to MaxReplayBodyBytes), and so is any body whose declared
        // length fits that buffer: a slow app then holds no pod connection while its body trickles in (Kestrel's
        // minimum data rate bounds that wait). A POST of unknown length (gRPC streaming among them) is never
        // buffered: it would hold a streaming call until the app had sent MaxReplayBodyBytes.
        ReplayableBody? captured = null;
        if (hasBody && (idempotent && maxAttempts > 1 || request.ContentLength <= options.Retry.MaxReplayBodyBytes))
        {
            try
            {
                captured = await ReplayableBody.CaptureAsync(request, options.Retry.MaxReplayBodyBytes, requestTimeout.Token);
            }
            catch (Exception ex)
            {
                await AnswerClientBodyFailureAsync(context, service, null, ex,
                    requestTimeout.IsCancellationRequested ? $"Timeouts:Request ({options.Timeouts.Request})" : null, started);
                return;
            }
        }
        using var body = captured;
        // A request that may have reached a pod is sent again only when that is safe (contract section 4).
        var mayResend = !hasBody || idempotent && body is { CanReplay: true };
        // Retry:OnGrpcStatus: a gRPC body is recorded as it streams, never held back (a duplex call would stall).
        var grpcBody = grpc && hasBody && body is null && maxAttempts > 1 && options.Retry.OnGrpcStatus.Count > 0
            ? GrpcReplayBody.Attach(request, options.Retry.MaxReplayBodyBytes)
            : null;
        var hashKey = options.HashHeader is { } header && request.Headers.TryGetValue(header, out var hashValues) ? hashValues.ToString() : null;

        var lean = UsesLeanPath(request, options);
        var appHost = request.Host.Value;
        var appHostIsSidecar = HostName.IsLoopback(HostName.Get(appHost));

        var tried = state.Tried;
        var retriedOnNewPool = false;
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
                service.RecordFailover(previous!, pod, failure!.Value.Reason);
                state.FailoverReason = failure.Value.Reason;
                body?.Rewind(request);
                grpcBody?.Rewind();
                context.Response.StatusCode = StatusCodes.Status200OK;
                // A failed attempt may have cleared the response it had begun to copy.
                MarkIfDraining(context);
            }
            tried.Add(pod);
            state.Pod = pod;
            state.BeginAttempt();
            // Contract section 3: the app's Host goes upstream unless it names the sidecar, then the pod's own name.
            state.UpstreamHost = appHostIsSidecar ? pod.Endpoint.UpstreamHost : appHost;
            state.Attempts = attempt;
            state.InterceptedStatus = null;
            state.InterceptedGrpcStatus = null;
            var canMoveOn = attempt < maxAttempts && pinned is null && service.HasUntriedCandidate(tried);
            state.InterceptRetryableStatus = canMoveOn && mayResend;
            state.InterceptRetryableGrpcStatus = canMoveOn && (mayResend || grpcBody is { CanReplay: true });

            // A per-attempt timer only when Timeouts:PerTry is set; otherwise the request's own token serves.
            var perTryTimeout = options.Timeouts.PerTry is { } perTry ? state.StartPerTryTimeout(perTry) : null;
            var perTryFired = false;
            ForwarderError result;
            Exception? leanException = null;
            pod.RequestStarted();
            var pool = pod.Pool;
            var closedUnread = pool.ClosedUnread;
            try
            {
                var token = perTryTimeout?.Token ?? requestTimeout.Token;
                if (lean)
                {
                    (result, leanException) = await Http1Forwarder.SendAsync(context, pool, state.UpstreamHost!, state, token);
                }
                else
                {
                    result = await _forwarder.SendAsync(context, pool.DestinationPrefix, pool.Invoker, config, SidecarTransformer.Instance, token);
                }
            }
            finally
            {
                pod.RequestEnded();
                perTryFired = perTryTimeout is { IsCancellationRequested: true };
                state.EndPerTryTimeout();
            }

            if (result == ForwarderError.None && state.InterceptedStatus is null && state.InterceptedGrpcStatus is null)
            {
                pod.Health.RecordSuccess();
                await FinishAsync(context, service, pod, null, null, started);
                return;
            }
            var exception = lean ? leanException : context.GetForwarderErrorFeature()?.Exception;
            if (exception is ObjectDisposedException && !ReferenceEquals(pool, pod.Pool) && !pod.Removed && !context.Response.HasStarted
                && !retriedOnNewPool)
            {
                // A reload retired the pool this attempt took before it sent anything: the same pod again, on its new pool;
                // not the pod's failure, not a failover.
                retriedOnNewPool = true;
                tried.Remove(pod);
                attempt--;
                continue;
            }
            if (exception is PodOverloadedException overloaded)
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
            if (AttemptFailure.UpstreamBehindBody(result, exception) is { } upstream)
            {
                result = ForwarderError.Request;
                exception = upstream;
            }
            // YARP's RequestBodyCanceled is not here: it cannot tell a stalled app from a pod that stopped reading.
            if (result == ForwarderError.RequestBodyClient || IsBadRequest(exception))
            {
                // Reading the app's body failed, or was too slow for our timeouts: the app's error, not the pod's
                // (no failure counted, no retry).
                var timeout = requestTimeout.IsCancellationRequested ? $"Timeouts:Request ({options.Timeouts.Request})"
                    : perTryFired ? $"Timeouts:PerTry ({options.Timeouts.PerTry})"
                    : null;
                await AnswerClientBodyFailureAsync(context, service, pod, exception, timeout, started);
                return;
            }
            if (!pod.Health.IsEjected)
            {
                // Charged before the failure is counted: an ejection then forgets the estimate, and the pod
                // returns unranked rather than kept out by what it did before.
                pod.Latency.ObserveFailure(state.AttemptStarted);
            }
            if (requestTimeout.IsCancellationRequested)
            {
                service.RecordFailure(pod, AttemptFailure.Timeout);
                await FinishAsync(context, service, pod, ProxyError.UpstreamTimeout, grpcDeadline is { } deadline
                    ? $"no answer from pod '{pod.Name}' within the call's grpc-timeout ({deadline})"
                    : $"no complete answer from pod '{pod.Name}' within Timeouts:Request ({options.Timeouts.Request})", started);
                return;
            }
            var current = state.InterceptedStatus is int status
                ? AttemptFailure.Status(status)
                : state.InterceptedGrpcStatus is int grpcStatus
                ? GrpcCall.Failure(grpcStatus)
                : perTryFired && options.Timeouts.PerTry is { } limit
                    ? AttemptFailure.PerTryTimeout(limit)
                    : AttemptFailure.Classify(result, exception, http2OverTls: pool.Tls is not null && options.UpstreamHttpVersion.Major >= 2,
                        closedUnread: pool.ClosedUnread != closedUnread);
            Log.AttemptFailed(_logger, service.Name, pod.Name, current.Reason, current.Detail);
            // No handshake within Timeouts:Connect, or a whole PerTry without one answer from the pod (to this
            // request or any other): frozen or black-holed, not merely slow.
            var unresponsive = current.ConnectTimedOut || perTryFired && !pod.Latency.AnsweredSince(state.AttemptStarted);
            service.RecordFailure(pod, current.Reason, unresponsive);
            if (current.Reason is AttemptFailure.ConnectError or AttemptFailure.Reset)
            {
                // The pod may have restarted at a new address: look again sooner than the TTL says.
                service.RequestRefresh?.Invoke();
            }
            failure = current;
            previous = pod;
            var resendable = mayResend || state.InterceptedGrpcStatus is not null && grpcBody is { CanReplay: true };
            if (context.Response.HasStarted || !canMoveOn || current.RequestSent && !resendable)
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

    /// <summary>
    /// The app's request body could not be read: malformed (Kestrel's chunked decoder, a body shorter than its
    /// length) is 400 <c>bad_request</c>, too slow (Kestrel's minimum data rate, or one of our timeouts, named by
    /// <paramref name="timeout"/>, while it arrived) 408 <c>request_timeout</c>; an app that went away gets nothing.
    /// Never the pod's failure.
    /// </summary>
    private async Task AnswerClientBodyFailureAsync(HttpContext context, ServiceRuntime service, PodState? pod, Exception? exception,
        string? timeout, long started)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            await FinishAsync(context, service, pod, null, null, started);
            return;
        }
        var bad = FindBadRequest(exception);
        var error = timeout is not null || bad?.StatusCode == StatusCodes.Status408RequestTimeout ? ProxyError.RequestTimeout : ProxyError.BadRequest;
        var reason = bad?.Message ?? (timeout is not null ? $"not received within {timeout}" : exception?.Message ?? "unreadable");
        Log.ClientBodyFailed(_logger, service.Name, error.Code, reason);
        CloseAfterAnswer(context);
        await FinishAsync(context, service, pod, error, $"the app's request body: {reason}", started);
    }

    private static bool IsBadRequest(Exception? exception) => FindBadRequest(exception) is not null;

    private static BadHttpRequestException? FindBadRequest(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException bad)
            {
                return bad;
            }
        }
        return null;
    }

    /// <summary>An HTTP/1.x connection ends after this answer: what follows on it cannot be trusted to start a request.</summary>
    private static void CloseAfterAnswer(HttpContext context)
    {
        if (!context.Response.HasStarted && (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol)))
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
        // A gRPC call's error is HTTP 200 on the wire; metrics and the log keep the sidecar's status.
        var status = error?.Status ?? context.Response.StatusCode;
        if (service is not null)
        {
            _metrics.RequestCompleted(serviceName, podName, status, elapsed);
        }
        if (_registry.Options.AccessLog)
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

        [LoggerMessage(3, LogLevel.Debug, "Service {Service}: answered {Error}: the app's request body: {Reason}")]
        public static partial void ClientBodyFailed(ILogger logger, string service, string error, string reason);
    }
}
