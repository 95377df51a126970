using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Forwarding;
using HeadlessSidecar.Hosting;
using HeadlessSidecar.Limits;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Routing;
using HeadlessSidecar.Runtime;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Tcp;

/// <summary>
/// Serves the listeners of <c>Protocol: Tcp</c> services (their <c>Listen</c> and ordinal ports): each app connection
/// gets its own upstream connection to a pod, balanced or pinned by the ordinal port it arrived on. The connections
/// come straight from the listener group's accept loop as sockets, not through Kestrel (<see cref="ListenerGroup.AcceptTcpWith"/>).
/// </summary>
/// <remarks>
/// A balanced connection whose connect fails moves to a pod it has not tried (contract section 4), up to
/// <c>Retry:MaxAttempts</c> under the retry budget; once connected it is never moved. The access log writes one line
/// per session: method <c>TCP</c>, path <c>""</c>, protocol <c>tcp</c>, status 0, and the sidecar's error code
/// (<c>no_endpoints</c>, <c>pod_unavailable</c>, <c>upstream_failed</c>, <c>retry_budget_exhausted</c>) or
/// the reason it ended the session (<c>idle_timeout</c>, <c>removed_pod</c>, <c>reset</c>) in <c>error</c>.
/// </remarks>
internal sealed partial class TcpProxyHandler : IAcceptedSocketHandler
{
    private readonly ListenerMap _listeners;
    private readonly TcpMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly AccessLogWriter _accessLog;
    private readonly ServiceRuntimeRegistry _registry;
    private readonly ILogger _logger;
    private readonly DrainState _drain;
    private readonly AppConnections _connections;

    public TcpProxyHandler(ListenerMap listeners, TcpMetrics metrics, ServiceRuntimeRegistry registry, TimeProvider time, AccessLogWriter accessLog, DrainState drain,
        AppConnections connections, ILogger<TcpProxyHandler> logger)
    {
        _connections = connections;
        _registry = registry;
        _drain = drain;
        _listeners = listeners;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _accessLog = accessLog;
    }

    public void OnAccepted(Socket socket, IPEndPoint listen, ConnectionSlot? slot) => _ = OnAcceptedAsync(socket, listen, slot);

    private async Task OnAcceptedAsync(Socket app, IPEndPoint listen, ConnectionSlot? slot)
    {
        // Open sessions count for the drain: SIGTERM gives them up to DrainTimeout to end.
        _drain.RequestStarted();
        try
        {
            await ServeAsync(app, listen);
        }
        catch (Exception ex)
        {
            Log.SessionFailed(_logger, ex);
        }
        finally
        {
            app.Dispose();
            slot?.Release();
            _drain.RequestEnded();
        }
    }

    private async Task ServeAsync(Socket app, IPEndPoint listen)
    {
        var started = Stopwatch.GetTimestamp();
        // The listening socket's address, not the connection's: the same binding (a wildcard one by its port), and no
        // system call per connection.
        var binding = _listeners.Find(listen.Address, listen.Port);
        if (binding is null || binding.Services.Length != 1 || binding.Services[0].Options.Protocol != ServiceProtocol.Tcp)
        {
            Log.NoService(_logger, listen.ToString());
            return;
        }
        var service = binding.Services[0];
        service.Budget.RecordRequest();

        var (upstream, tls, pod, attempts, error, failover) = await ConnectAsync(service, binding.Ordinal);
        if (upstream is null)
        {
            WriteAccessLog(service, pod, attempts, error, failover, null, started);
            return;
        }

        _metrics.SessionStarted(service.Name, pod!.Name);
        using var session = new TcpSession(app, upstream, service.Name, pod, service.Options.Tcp.IdleTimeout,
            service.Options.Tcp.RemovedPodGrace, _metrics, _time, tls);
        _connections.Add(session, listen);
        try
        {
            await session.RunAsync();
        }
        finally
        {
            _connections.Remove(session);
            if (session.EndReason is { } reason)
            {
                Log.SessionEnded(_logger, service.Name, pod.Name, reason);
            }
            if (tls is not null)
            {
                await DisposeQuietlyAsync(tls);
            }
            upstream.Dispose();
            pod.RequestEnded();
            var elapsed = Stopwatch.GetElapsedTime(started);
            _metrics.SessionEnded(service.Name, pod.Name, elapsed);
            WriteAccessLog(service, pod, attempts, session.EndReason, failover, session, started);
        }
    }

    /// <summary>
    /// Connects to the pinned pod, or to balanced pods in turn until one accepts (and, with <c>Tls</c>, completes a
    /// handshake: a failed one is a <c>tls_error</c>, moved on like a refused connect). On success the pod counts the
    /// session as active.
    /// </summary>
    private async Task<(Socket? Upstream, Stream? Tls, PodState? Pod, int Attempts, string? Error, string? FailoverReason)> ConnectAsync(ServiceRuntime service, int? ordinal)
    {
        var options = service.Options;
        PodState? pinned = null;
        if (ordinal is int n)
        {
            if (!service.Table.ByOrdinal.TryGetValue(n, out pinned) || !pinned.IsUsable)
            {
                Log.PinnedUnavailable(_logger, service.Name, n);
                return (null, null, pinned, 0, ProxyError.PodUnavailable.Code, null);
            }
        }
        var maxAttempts = pinned is null ? options.Retry.MaxAttempts : 1;
        List<PodState> tried = new(maxAttempts);
        PodState? previous = null;
        string? failure = null;
        var attempt = 0;
        while (attempt < maxAttempts)
        {
            var pod = pinned ?? service.PickBalanced(tried, null);
            if (pod is null)
            {
                break;
            }
            attempt++;
            if (attempt == 1 && pinned is null && options.LoadBalancing == LoadBalancingMode.LowestOrdinal)
            {
                service.NoteServingPod(pod);
            }
            if (attempt > 1)
            {
                if (!service.Budget.TryAcquireRetry())
                {
                    service.Metrics.RetryBudgetExhausted(service.Name);
                    return (null, null, previous, attempt - 1, ProxyError.RetryBudgetExhausted.Code, failure);
                }
                service.RecordFailover(previous!, pod, failure!);
            }
            tried.Add(pod);
            pod.RequestStarted();
            var socket = new Socket(pod.Endpoint.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            // A TCP service's latency sample is its connect time (PeakEwma ranks pods by it).
            var started = pod.Latency.Now();
            try
            {
                using (var timeout = new CancellationTokenSource(options.Timeouts.Connect, _time))
                {
                    await socket.ConnectAsync(pod.Endpoint.EndPoint, timeout.Token);
                }
                pod.Latency.Observe(started);
                Stream? tls = null;
                if (pod.Pool.Tls is { } connector)
                {
                    tls = (await connector.AuthenticateAsync(new NetworkStream(socket, ownsSocket: false), pod.Endpoint, Tls.TlsAlpn.None,
                        options.Timeouts.Connect, CancellationToken.None)).Stream;
                }
                pod.Health.RecordSuccess();
                return (socket, tls, pod, attempt, null, failure);
            }
            catch (Tls.TlsHandshakeException ex)
            {
                socket.Dispose();
                pod.RequestEnded();
                // The connector logged the cause.
                service.RecordFailure(pod, AttemptFailure.TlsError);
                failure = AttemptFailure.TlsError;
                previous = pod;
                Log.TlsFailed(_logger, service.Name, pod.Name, ex.Detail);
                if (pinned is not null || !service.HasUntriedCandidate(tried))
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                failure = AttemptFailure.ConnectError;
                pod.RequestEnded();
                var detail = ex is SocketException se ? se.SocketErrorCode.ToString() : $"no connection within Timeouts:Connect ({options.Timeouts.Connect})";
                Log.ConnectFailed(_logger, service.Name, pod.Name, detail);
                if (!pod.Health.IsEjected)
                {
                    pod.Latency.ObserveFailure(started);
                }
                // No handshake within Timeouts:Connect: a black hole, ejected at once (refusals count one by one).
                var timedOut = ex is OperationCanceledException || ex is SocketException { SocketErrorCode: SocketError.TimedOut };
                service.RecordFailure(pod, AttemptFailure.ConnectError, unresponsive: timedOut);
                // The pod may have restarted at a new address: look again sooner than the TTL says.
                service.RequestRefresh?.Invoke();
                previous = pod;
                if (pinned is not null || !service.HasUntriedCandidate(tried))
                {
                    break;
                }
            }
        }
        return (null, null, previous, attempt, previous is null ? ProxyError.NoEndpoints.Code : ProxyError.UpstreamFailed.Code, failure);
    }

    private static async ValueTask DisposeQuietlyAsync(Stream tls)
    {
        try
        {
            await tls.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The pod's side is already gone.
        }
    }

    private void WriteAccessLog(ServiceRuntime service, PodState? pod, int attempts, string? error, string? failover, TcpSession? session, long started)
    {
        if (!_registry.Options.AccessLog)
        {
            return;
        }
        _accessLog.Write(new AccessLogEntry(service.Name, pod?.Name ?? "none", "TCP", "", "tcp", 0, error, attempts,
            attempts > 1 ? failover : null, session?.BytesUpstream ?? 0, session?.BytesDownstream ?? 0,
            Stopwatch.GetElapsedTime(started)));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "No Tcp service listens on {EndPoint}; connection closed")]
        public static partial void NoService(ILogger logger, string endPoint);

        [LoggerMessage(2, LogLevel.Debug, "Service {Service}: ordinal {Ordinal} is absent or ejected; connection closed")]
        public static partial void PinnedUnavailable(ILogger logger, string service, int ordinal);

        [LoggerMessage(3, LogLevel.Warning, "Service {Service}: connect to pod {Pod} failed: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string service, string pod, string reason);

        [LoggerMessage(4, LogLevel.Debug, "Service {Service}: session to pod {Pod} closed by the sidecar ({Reason})")]
        public static partial void SessionEnded(ILogger logger, string service, string pod, string reason);

        [LoggerMessage(5, LogLevel.Debug, "Service {Service}: connection to pod {Pod} not started: {Reason}")]
        public static partial void TlsFailed(ILogger logger, string service, string pod, string reason);

        [LoggerMessage(6, LogLevel.Error, "A TCP session failed unexpectedly; its connections were closed")]
        public static partial void SessionFailed(ILogger logger, Exception exception);
    }
}
