using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

/// <summary>Runs every service's watcher for the life of the host (those a reload starts too).</summary>
internal sealed partial class DiscoveryHostedService : BackgroundService
{
    private readonly ServiceWatchers _watchers;
    private readonly EffectiveDnsSettings _settings;
    private readonly ILogger<DiscoveryHostedService> _logger;

    public DiscoveryHostedService(ServiceWatchers watchers, EffectiveDnsSettings settings, ILogger<DiscoveryHostedService> logger)
    {
        _watchers = watchers;
        _settings = settings;
        _logger = logger;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.Starting(_logger, _watchers.All.Count(), string.Join(", ", _settings.Servers), string.Join(" ", _settings.Search), _settings.Ndots);
        return _watchers.RunAsync(stoppingToken);
    }
}
