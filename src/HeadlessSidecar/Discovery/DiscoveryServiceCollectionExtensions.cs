using HeadlessSidecar.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HeadlessSidecar.Discovery;

internal static class DiscoveryServiceCollectionExtensions
{
    /// <summary>
    /// Registers DNS discovery and its hosted service. Expects <see cref="SidecarOptions"/> and <see cref="EndpointRegistry"/>
    /// as singletons from the host. Everything is added with TryAdd: register a replacement (an <see cref="IDnsQuerier"/>,
    /// a <see cref="TimeProvider"/>, a <see cref="ResolvConf"/>) before this call, or <c>Replace</c> it after, to swap a piece.
    /// Call it after <c>AddOpenTelemetry</c>, so that the meter provider starts before the first lookups are counted.
    /// </summary>
    public static IServiceCollection AddDiscovery(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => ResolvConf.Load());
        services.TryAddSingleton(sp => EffectiveDnsSettings.Create(sp.GetRequiredService<SidecarOptions>().Dns, sp.GetRequiredService<ResolvConf>()));
        services.TryAddSingleton<IDnsQuerier, DnsWireQuerier>();
        services.TryAddSingleton<ServiceResolver>();
        services.TryAddSingleton<DiscoveryMetrics>();
        services.TryAddSingleton<ServiceWatchers>();
        services.TryAddSingleton<DnsResolverFactory>();
        services.AddHostedService<DiscoveryHostedService>();
        return services;
    }
}
