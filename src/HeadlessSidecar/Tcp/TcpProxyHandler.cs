using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Forwarding;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Routing;
using HeadlessSidecar.Runtime;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Tcp;

/// <summary>
/// Serves the listeners of <c>Protocol: Tcp</c> services (their <c>Listen</c> and ordinal ports): each app connection
/// gets its own upstream connection to a pod, balanced or pinned by the ordinal port it arrived on.
/// </summary>
/// <remarks>
/// A balanced connection whose connect fails moves to a pod it has not tried (contract section 4), up to
/// <c>Retry:MaxAttempts</c> under the retry budget; once connected it is never moved. The access log writes one line
/// per session: method <c>TCP</c>, path <c>""</c>, protocol <c>tcp</c>, status 0, and the sidecar's error code
/// (<c>no_endpoints</c>, <c>pod_unavailable</c>, <c>upstream_failed</c>, <c>retry_budget_exhausted</c>) or
/// the reason it ended the session (<c>idle_timeout</c>, <c>removed_pod</c>, <c>reset</c>) in <c>error</c>.
/// </remarks>
internal sealed partial class TcpProxyHandler : ConnectionHandler
{
    private readonly ListenerMap _listeners;
    private readonly TcpMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly AccessLogWriter? _accessLog;
    private readonly ILogger _logger;
    private readonly DrainState _drain;

    public TcpProxyHandler(ListenerMap listeners, TcpMetrics metrics, SidecarOptions options, TimeProvider time, DrainState drain, ILogger<TcpProxyHandler> logger)
    {
        _drain = drain;
        _listeners = listeners;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _accessLog = options.AccessLog ? new AccessLogWriter(time) : null;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        // Open sessions count for the drain: SIGTERM gives them up to DrainTimeout to end.
        _drain.RequestStarted();
        try
        {
            await ServeAsync(connection);
        }
        finally
        {
            _drain.RequestEnded();
        }
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        var started = Stopwatch.GetTimestamp();
        var local = connection.LocalEndPoint as IPEndPoint;
        var binding = local is null ? null : _listeners.Find(local.Address, local.Port);
        if (binding is null || binding.Services.Length != 1 || binding.Services[0].Options.Protocol != ServiceProtocol.Tcp)
        {
            Log.NoService(_logger, connection.LocalEndPoint?.ToString() ?? "?");
            return;
        }
        var service = binding.Services[0];
        service.Budget.RecordRequest();

        var (upstream, pod, attempts, error) = await ConnectAsync(service, binding.Ordinal);
        if (upstream is null)
        {
            WriteAccessLog(service, pod, attempts, error, null, started);
            return;
        }

        _metrics.SessionStarted(service.Name, pod!.Name);
        using var session = new TcpSession(connection, upstream, service.Name, pod, service.Options.Tcp.IdleTimeout,
            service.Options.Tcp.RemovedPodGrace, _metrics, _time);
        try
        {
            await session.RunAsync();
        }
        finally
        {
            if (session.EndReason is { } reason)
            {
                Log.SessionEnded(_logger, service.Name, pod.Name, reason);
                connection.Abort(new ConnectionAbortedException($"The sidecar ended the session: {reason}"));
            }
            upstream.Dispose();
            await connection.Transport.Input.CompleteAsync();
            await connection.Transport.Output.CompleteAsync();
            pod.RequestEnded();
            var elapsed = Stopwatch.GetElapsedTime(started);
            _metrics.SessionEnded(service.Name, pod.Name, elapsed);
            WriteAccessLog(service, pod, attempts, session.EndReason, session, started);
        }
    }

    /// <summary>Connects to the pinned pod, or to balanced pods in turn until one accepts. On success the pod counts the session as active.</summary>
    private async Task<(Socket? Upstream, PodState? Pod, int Attempts, string? Error)> ConnectAsync(ServiceRuntime service, int? ordinal)
    {
        var options = service.Options;
        PodState? pinned = null;
        if (ordinal is int n)
        {
            if (!service.Table.ByOrdinal.TryGetValue(n, out pinned) || !pinned.IsUsable)
            {
                Log.PinnedUnavailable(_logger, service.Name, n);
                return (null, pinned, 0, ProxyError.PodUnavailable.Code);
            }
        }
        var maxAttempts = pinned is null ? options.Retry.MaxAttempts : 1;
        List<PodState> tried = new(maxAttempts);
        PodState? previous = null;
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
                    return (null, previous, attempt - 1, ProxyError.RetryBudgetExhausted.Code);
                }
                service.RecordFailover(previous!, pod, AttemptFailure.ConnectError);
            }
            tried.Add(pod);
            pod.RequestStarted();
            var socket = new Socket(pod.Endpoint.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            // A TCP service's latency sample is its connect time (PeakEwma ranks pods by it).
            var started = pod.Latency.Now();
            try
            {
                using var timeout = new CancellationTokenSource(options.Timeouts.Connect, _time);
                await socket.ConnectAsync(pod.Endpoint.EndPoint, timeout.Token);
                pod.Latency.Observe(started);
                pod.Health.RecordSuccess();
                return (socket, pod, attempt, null);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
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
        return (null, previous, attempt, previous is null ? ProxyError.NoEndpoints.Code : ProxyError.UpstreamFailed.Code);
    }

    private void WriteAccessLog(ServiceRuntime service, PodState? pod, int attempts, string? error, TcpSession? session, long started)
    {
        _accessLog?.Write(new AccessLogEntry(service.Name, pod?.Name ?? "none", "TCP", "", "tcp", 0, error, attempts,
            attempts > 1 ? AttemptFailure.ConnectError : null, session?.BytesUpstream ?? 0, session?.BytesDownstream ?? 0,
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
    }
}
