using HeadlessSidecar.Configuration;
using HeadlessSidecar.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// SIGTERM: before Kestrel stops, mark the sidecar draining (/readyz answers 503 at once), stop the proxy
/// listeners accepting, and give in-flight requests up to <c>DrainTimeout</c>. The admin listener keeps
/// answering meanwhile, so probes and scrapes see the drain.
/// </summary>
internal sealed partial class DrainService : IHostedLifecycleService
{
    private readonly DrainState _drain;
    private readonly ProxyListenerGroups _groups;
    private readonly SidecarOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public DrainService(DrainState drain, ProxyListenerGroups groups, SidecarOptions options, TimeProvider time, ILogger<DrainService> logger)
    {
        _drain = drain;
        _groups = groups;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var idle = _drain.BeginDrain();
        Log.Draining(_logger, _drain.InFlight, _options.DrainTimeout);
        foreach (var group in _groups.Groups)
        {
            await group.StopAcceptingAsync();
        }
        using var timeout = new CancellationTokenSource(_options.DrainTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await idle.WaitAsync(linked.Token);
            Log.Drained(_logger);
        }
        catch (OperationCanceledException)
        {
            Log.DrainTimedOut(_logger, _drain.InFlight);
        }
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

        [LoggerMessage(2, LogLevel.Information, "Drained: no request in flight")]
        public static partial void Drained(ILogger logger);

        [LoggerMessage(3, LogLevel.Warning, "DrainTimeout passed with {InFlight} requests still in flight; closing them")]
        public static partial void DrainTimedOut(ILogger logger, int inFlight);
    }
}
