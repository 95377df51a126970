using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Reload;

/// <summary>
/// What differs between two valid configurations, per service and globally, and what each difference renews. Pure:
/// it reads the two option trees and touches nothing.
/// </summary>
internal sealed class ConfigurationDiff
{
    public const string AdminListenKey = $"{SidecarOptionsReader.SectionName}:Admin:Listen";

    private ConfigurationDiff(IReadOnlyList<ServiceDiff> services, IReadOnlyList<string> global, IReadOnlyList<string> restartRequired)
    {
        Services = services;
        Global = global;
        RestartRequired = restartRequired;
    }

    /// <summary>Every service of either configuration: the old ones in their order, then the added ones.</summary>
    public IReadOnlyList<ServiceDiff> Services { get; }

    /// <summary>Settings outside <c>Services</c> that changed and apply (<c>Dns</c>, <c>Limits</c>, <c>DrainTimeout</c>, ...).</summary>
    public IReadOnlyList<string> Global { get; }

    /// <summary>Keys whose change needs a restart; they are left as they were.</summary>
    public IReadOnlyList<string> RestartRequired { get; }

    public bool DnsChanged => Global.Contains("Dns");

    public bool LimitsChanged => Global.Contains("Limits");

    public bool IsEmpty => Global.Count == 0 && RestartRequired.Count == 0 && Services.All(s => s.Kind == ServiceChangeKind.Unchanged);

    public ServiceDiff? this[string service] => Services.FirstOrDefault(s => s.Name == service);

    /// <summary>The reload's log lines: one per changed service, one for the global settings.</summary>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>();
        if (Global.Count > 0)
        {
            lines.Add($"global: {string.Join(", ", Global)}");
        }
        lines.AddRange(Services.Where(s => s.Kind != ServiceChangeKind.Unchanged).Select(s => s.Describe()));
        return lines;
    }

    public static ConfigurationDiff Compute(SidecarOptions current, SidecarOptions next)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(next);

        var global = new List<string>();
        if (current.AdminDebugAccess != next.AdminDebugAccess)
        {
            global.Add("Admin:DebugAccess");
        }
        if (current.DrainTimeout != next.DrainTimeout)
        {
            global.Add("DrainTimeout");
        }
        if (current.DrainDelay != next.DrainDelay)
        {
            global.Add("DrainDelay");
        }
        if (!SameLimits(current.Limits, next.Limits))
        {
            global.Add("Limits");
        }
        if (current.AccessLog != next.AccessLog)
        {
            global.Add("AccessLog");
        }
        if (!SameDns(current.Dns, next.Dns))
        {
            global.Add("Dns");
        }
        string[] restart = current.AdminListen.Equals(next.AdminListen) ? [] : [AdminListenKey];

        var nextByName = next.Services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var services = new List<ServiceDiff>();
        foreach (var old in current.Services)
        {
            services.Add(nextByName.TryGetValue(old.Name, out var updated)
                ? Compare(old, updated)
                : new ServiceDiff(old.Name, ServiceChangeKind.Removed, [], ServiceEffects.None));
        }
        var currentNames = current.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var added in next.Services.Where(s => !currentNames.Contains(s.Name)))
        {
            services.Add(new ServiceDiff(added.Name, ServiceChangeKind.Added, [], ServiceEffects.None));
        }
        return new ConfigurationDiff(services, global, restart);
    }

    /// <summary>One service present in both configurations.</summary>
    public static ServiceDiff Compare(ServiceOptions old, ServiceOptions next)
    {
        var settings = new List<string>();
        var effects = ServiceEffects.None;
        void Note(bool same, string setting, ServiceEffects effect)
        {
            if (!same)
            {
                settings.Add(setting);
                effects |= effect;
            }
        }

        Note(string.Equals(old.Host, next.Host, StringComparison.OrdinalIgnoreCase) && old.HostIsAbsolute == next.HostIsAbsolute, "Host", ServiceEffects.NewDiscovery);
        Note(string.Equals(old.PortName, next.PortName, StringComparison.Ordinal), "PortName", ServiceEffects.NewDiscovery);
        Note(old.Port == next.Port, "Port", ServiceEffects.NewDiscovery);
        Note(old.Protocol == next.Protocol, "Protocol", ServiceEffects.None);
        Note(old.UpstreamHttpVersion == next.UpstreamHttpVersion, "UpstreamHttpVersion", ServiceEffects.NewPools);
        Note(old.Listen.Equals(next.Listen), "Listen", ServiceEffects.Rebind);
        Note(old.OrdinalPortBase == next.OrdinalPortBase, "OrdinalPortBase", ServiceEffects.OrdinalPorts);
        Note(old.LoadBalancing == next.LoadBalancing, "LoadBalancing", ServiceEffects.NewPolicy);
        Note(string.Equals(old.HashHeader, next.HashHeader, StringComparison.OrdinalIgnoreCase), "HashHeader", ServiceEffects.NewPolicy);
        Note(old.SlowStart == next.SlowStart, "SlowStart", ServiceEffects.InPlace);
        Note(SameTimeouts(old.Timeouts, next.Timeouts), "Timeouts", ServiceEffects.InPlace);
        Note(SameRetry(old.Retry, next.Retry), "Retry", ServiceEffects.InPlace);
        Note(string.Equals(old.Role, next.Role, StringComparison.Ordinal), "Role", ServiceEffects.InPlace);
        Note(SameHealth(old.Health, next.Health), "Health", ServiceEffects.InPlace);
        Note(SamePool(old.Pool, next.Pool), "Pool", ServiceEffects.NewPools);
        Note(old.Tcp.IdleTimeout == next.Tcp.IdleTimeout && old.Tcp.RemovedPodGrace == next.Tcp.RemovedPodGrace, "Tcp", ServiceEffects.InPlace);
        Note(SameTls(old.Tls, next.Tls), "Tls", ServiceEffects.NewPools);

        if (old.Protocol != next.Protocol)
        {
            // Another protocol is another kind of listener and runtime: nothing carries over.
            return new ServiceDiff(old.Name, ServiceChangeKind.Replaced, settings, ServiceEffects.None);
        }
        return new ServiceDiff(old.Name, settings.Count == 0 ? ServiceChangeKind.Unchanged : ServiceChangeKind.Changed, settings, effects);
    }

    private static bool SameTimeouts(TimeoutOptions a, TimeoutOptions b) =>
        a.Connect == b.Connect && a.PerTry == b.PerTry && a.Request == b.Request;

    private static bool SameRetry(RetryOptions a, RetryOptions b) =>
        a.MaxAttempts == b.MaxAttempts && a.BudgetPercent == b.BudgetPercent && a.MaxReplayBodyBytes == b.MaxReplayBodyBytes
        && a.OnStatus.SequenceEqual(b.OnStatus) && a.OnGrpcStatus.SequenceEqual(b.OnGrpcStatus);

    internal static bool SameHealth(HealthOptions a, HealthOptions b) =>
        a.ConsecutiveFailures == b.ConsecutiveFailures && a.EjectFor == b.EjectFor
        && string.Equals(a.Check, b.Check, StringComparison.Ordinal) && string.Equals(a.ProbePath, b.ProbePath, StringComparison.Ordinal)
        && a.ProbeInterval == b.ProbeInterval && a.ProbeTimeout == b.ProbeTimeout
        && string.Equals(a.CredentialsFile, b.CredentialsFile, StringComparison.Ordinal)
        && string.Equals(a.GrpcService, b.GrpcService, StringComparison.Ordinal);

    // MaxPending is Limits:MaxPendingPerPod copied in by the reader: a Limits change, applied to the pools in place.
    private static bool SamePool(PoolOptions a, PoolOptions b) =>
        a.MaxConnectionsPerPod == b.MaxConnectionsPerPod && a.IdleTimeout == b.IdleTimeout && a.WarmConnections == b.WarmConnections;

    private static bool SameTls(TlsOptions a, TlsOptions b) =>
        a.Mode == b.Mode && a.MinVersion == b.MinVersion && a.InsecureSkipVerify == b.InsecureSkipVerify
        && string.Equals(a.CaFile, b.CaFile, StringComparison.Ordinal) && string.Equals(a.CertFile, b.CertFile, StringComparison.Ordinal)
        && string.Equals(a.KeyFile, b.KeyFile, StringComparison.Ordinal) && string.Equals(a.ServerName, b.ServerName, StringComparison.Ordinal);

    private static bool SameLimits(LimitsOptions a, LimitsOptions b) =>
        a.MaxConnectionsPerListener == b.MaxConnectionsPerListener && a.MaxAdminConnections == b.MaxAdminConnections
        && a.MaxRequestHeadersBytes == b.MaxRequestHeadersBytes && a.MaxRequestHeaderCount == b.MaxRequestHeaderCount
        && a.RequestHeadersTimeout == b.RequestHeadersTimeout && a.KeepAliveTimeout == b.KeepAliveTimeout
        && a.MaxStreamsPerConnection == b.MaxStreamsPerConnection && a.StreamIdleTimeout == b.StreamIdleTimeout
        && a.MaxPendingPerPod == b.MaxPendingPerPod;

    private static bool SameDns(DnsOptions a, DnsOptions b) =>
        SameList(a.Servers, b.Servers) && SameList(a.Search, b.Search) && a.Ndots == b.Ndots && a.Timeout == b.Timeout
        && a.MinRefresh == b.MinRefresh && a.MaxRefresh == b.MaxRefresh && a.MaxStale == b.MaxStale && a.MaxAnswerRecords == b.MaxAnswerRecords;

    private static bool SameList<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b);
}
