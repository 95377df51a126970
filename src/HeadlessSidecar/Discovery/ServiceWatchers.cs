using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using HeadlessSidecar.Configuration;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

/// <summary>The <see cref="ServiceWatcher"/> of each configured service, for whoever needs to ask one for an early refresh.</summary>
internal sealed class ServiceWatchers
{
    private readonly FrozenDictionary<string, ServiceWatcher> _watchers;

    public ServiceWatchers(SidecarOptions options, EndpointRegistry registry, ServiceResolver resolver, DiscoveryMetrics metrics,
        TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        var logger = loggerFactory.CreateLogger<ServiceWatcher>();
        _watchers = options.Services.ToFrozenDictionary(
            s => s.Name,
            s => new ServiceWatcher(s, options.Dns, registry[s.Name], resolver, timeProvider, logger, metrics),
            StringComparer.Ordinal);
    }

    public ServiceWatcher this[string service] => _watchers[service];

    public IEnumerable<ServiceWatcher> All => _watchers.Values;

    public bool TryGet(string service, [MaybeNullWhen(false)] out ServiceWatcher watcher) => _watchers.TryGetValue(service, out watcher);
}
