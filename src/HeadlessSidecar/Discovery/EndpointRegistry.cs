using System.Collections.Frozen;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Discovery;

/// <summary>One <see cref="ServiceEndpoints"/> per configured service.</summary>
public sealed class EndpointRegistry
{
    private readonly FrozenDictionary<string, ServiceEndpoints> _services;

    public EndpointRegistry(SidecarOptions options)
    {
        _services = options.Services.ToFrozenDictionary(s => s.Name, s => new ServiceEndpoints(s.Name, s.Host), StringComparer.Ordinal);
    }

    public ServiceEndpoints this[string service] => _services[service];

    public IEnumerable<ServiceEndpoints> All => _services.Values;

    public bool AllReady => _services.Values.All(s => s.Current.Ready);
}
