using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

/// <summary>Runs every service's watcher for the life of the host.</summary>
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
        var watchers = _watchers.All.ToList();
        Log.Starting(_logger, watchers.Count, string.Join(", ", _settings.Servers), string.Join(" ", _settings.Search), _settings.Ndots);
        return Task.WhenAll(watchers.Select(w => w.RunAsync(stoppingToken)));
    }
}
