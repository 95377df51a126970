using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Health;

/// <summary>
/// Ejection rules of one service. A repeat ejection doubles up to <see cref="MaxEjection"/>, but never below
/// <see cref="EjectFor"/> (a configured <c>EjectFor</c> above the cap is used as is).
/// </summary>
internal sealed record HealthSettings(int ConsecutiveFailures, TimeSpan EjectFor, TimeSpan MaxEjection)
{
    public static readonly TimeSpan DefaultMaxEjection = TimeSpan.FromMinutes(5);

    public static HealthSettings From(HealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.ConsecutiveFailures, options.EjectFor, DefaultMaxEjection);
    }
}
