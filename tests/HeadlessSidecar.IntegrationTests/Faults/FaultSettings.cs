using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>Knobs CI turns to keep the matrix within its time (the defaults are the figures).</summary>
internal static class FaultSettings
{
    /// <summary>How long the DNS server stays down: <c>HEADLESS_SIDECAR_FAULT_DNS_DOWN</c> (<c>10s</c>, <c>00:01:00</c>), default 60 s.</summary>
    public static TimeSpan DnsDown =>
        Environment.GetEnvironmentVariable("HEADLESS_SIDECAR_FAULT_DNS_DOWN") is { Length: > 0 } text
            ? DurationParser.TryParse(text, out var value) && value > TimeSpan.Zero
                ? value
                : throw new InvalidOperationException($"HEADLESS_SIDECAR_FAULT_DNS_DOWN: '{text}' is not a positive duration (10s, 1m, 00:01:00).")
            : TimeSpan.FromSeconds(60);
}
