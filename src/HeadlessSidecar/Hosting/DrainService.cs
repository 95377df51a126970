using HeadlessSidecar.Limits;
using HeadlessSidecar.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// SIGTERM, before Kestrel stops: <c>/readyz</c> answers 503 at once; the proxy listeners keep accepting for
/// <c>DrainDelay</c> (an app still shutting down may call its peers), then stop accepting; every app connection is
/// asked to close (HTTP/2 <c>GOAWAY</c>, HTTP/1.1 <c>Connection: close</c>), and in-flight requests and TCP sessions
/// get up to <c>DrainTimeout</c>. Then what is left is closed, so stopping the server never waits on an idle client.
/// The admin listener keeps answering meanwhile, so probes and scrapes see the drain.
/// </summary>
internal sealed partial class DrainService : IHostedLifecycleService
{
    private readonly DrainState _drain;
    private readonly ProxyListenerGroups _groups;
    private readonly AppConnections _connections;
    private readonly ServiceRuntimeRegistry _registry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public DrainService(DrainState drain, ProxyListenerGroups groups, AppConnections connections, ServiceRuntimeRegistry registry, TimeProvider time,
        ILogger<DrainService> logger)
    {
        _drain = drain;
        _groups = groups;
        _connections = connections;
        _registry = registry;
        _time = time;
        _logger = logger;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _drain.BeginStopping();
        // The configuration in effect when SIGTERM came: a reload's DrainDelay and DrainTimeout apply to the next drain.
        var options = _registry.Options;
        if (options.DrainDelay > TimeSpan.Zero)
        {
            Log.Delaying(_logger, options.DrainDelay);
            try
            {
                await Task.Delay(options.DrainDelay, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The host's own timeout: drain now.
            }
        }

        var idle = _drain.BeginDrain();
        Log.Draining(_logger, _drain.InFlight, options.DrainTimeout);
        foreach (var group in _groups.Groups)
        {
            await group.StopAcceptingAsync();
        }
        _connections.RequestCloseAll();
        using var timeout = new CancellationTokenSource(options.DrainTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await idle.WaitAsync(linked.Token);
            Log.Drained(_logger, _connections.Count);
        }
        catch (OperationCanceledException)
        {
            Log.DrainTimedOut(_logger, _drain.InFlight);
        }
        // Nothing is in flight (or DrainTimeout passed): an idle keep-alive or HTTP/2 connection whose client has not
        // closed yet would hold Kestrel's shutdown until the host's own timeout.
        _connections.AbortAll();
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Draining: {InFlight} requests in flight, up to {DrainTimeout}")]
        public static partial void Draining(ILogger logger, int inFlight, TimeSpan drainTimeout);

        [LoggerMessage(2, LogLevel.Information, "Drained: no request in flight; closing {Connections} idle app connections")]
        public static partial void Drained(ILogger logger, int connections);

        [LoggerMessage(3, LogLevel.Warning, "DrainTimeout passed with {InFlight} requests still in flight; closing them")]
        public static partial void DrainTimedOut(ILogger logger, int inFlight);

        [LoggerMessage(4, LogLevel.Information, "Stopping: /readyz answers 503; still accepting for DrainDelay ({DrainDelay})")]
        public static partial void Delaying(ILogger logger, TimeSpan drainDelay);
    }
}
