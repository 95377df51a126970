using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HeadlessSidecar.Reload;

internal static class ReloadServiceCollectionExtensions
{
    /// <summary>
    /// The reload triggers, their metrics and logs. They watch and re-read what a registered
    /// <see cref="ConfigurationOrigin"/> names; without one only the metrics exist. Added with TryAdd, so tests may
    /// register shorter <see cref="ReloadTimings"/> first.
    /// </summary>
    public static IServiceCollection AddConfigurationReload(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ReloadTimings());
        services.TryAddSingleton<ReloadMetrics>();
        services.TryAddSingleton<ConfigurationReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfigurationReloader>());
        return services;
    }
}
