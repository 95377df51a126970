using System.Net;

namespace HeadlessSidecar.Configuration;

/// <summary>The whole <c>Sidecar</c> section, read and validated by <see cref="SidecarOptionsReader"/>.</summary>
public sealed class SidecarOptions
{
    public IPEndPoint AdminListen { get; set; } = new(IPAddress.Any, 18090);
    public DebugAccess AdminDebugAccess { get; set; } = DebugAccess.Loopback;
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>After SIGTERM, how long the listeners keep accepting (with <c>/readyz</c> already 503) before the drain.</summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;
    public LimitsOptions Limits { get; set; } = new();
    public bool AccessLog { get; set; }
    public DnsOptions Dns { get; set; } = new();
    public IReadOnlyList<ServiceOptions> Services { get; set; } = [];
}
