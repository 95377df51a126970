using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace HeadlessSidecar.Configuration;

/// <summary>
/// Reads the <c>Sidecar</c> section by hand rather than through the binder: every problem is reported with its
/// full key path and the value that was given, all problems at once, and unknown keys (typos) are errors too.
/// </summary>
public static partial class SidecarOptionsReader
{
    public const string SectionName = "Sidecar";

    private static readonly string[] RoleChecks = ["Redis", "MySql", "ZooKeeper"];
    private static readonly string[] Checks = ["Connect", "Http", "Redis", "MySql", "ZooKeeper", "Ldap", "Grpc"];

    public static SidecarOptions Read(IConfiguration configuration, out IReadOnlyList<ConfigError> errors) =>
        Read(configuration, SidecarReadOptions.Default, out errors);

    /// <summary>Reads and validates; <paramref name="read"/> says whether files the configuration names are checked too.</summary>
    public static SidecarOptions Read(IConfiguration configuration, SidecarReadOptions read, out IReadOnlyList<ConfigError> errors)
    {
        var list = new List<ConfigError>();
        var root = new SectionReader(configuration.GetSection(SectionName), list);
        var options = new SidecarOptions();

        var admin = root.Section("Admin");
        options.AdminListen = admin.EndPoint("Listen", defaultPort: null) ?? options.AdminListen;
        options.AdminDebugAccess = admin.Enum("DebugAccess", options.AdminDebugAccess);
        admin.RejectUnknown();

        options.DrainTimeout = root.Duration("DrainTimeout", options.DrainTimeout);
        options.DrainDelay = root.Duration("DrainDelay", options.DrainDelay);
        options.Limits = ReadLimits(root.Section("Limits"));
        options.AccessLog = root.Bool("AccessLog", options.AccessLog);
        options.Dns = ReadDns(root.Section("Dns"));

        var services = root.Section("Services");
        var list2 = new List<ServiceOptions>();
        foreach (var child in services.Children())
        {
            if (ReadService(child, read) is { } service)
            {
                list2.Add(service);
            }
        }
        services.MarkAllKnown();
        if (list2.Count == 0 && !services.HasChildren)
        {
            list.Add(new ConfigError($"{SectionName}:Services", "at least one service is required"));
        }
        foreach (var service in list2)
        {
            service.Pool.MaxPending = options.Limits.MaxPendingPerPod;
        }
        options.Services = list2;
        root.RejectUnknown();

        ValidateAcrossServices(options, list);
        errors = list;
        return options;
    }

    private static LimitsOptions ReadLimits(SectionReader limits)
    {
        var options = new LimitsOptions();
        options.MaxConnectionsPerListener = limits.Int("MaxConnectionsPerListener", options.MaxConnectionsPerListener, 1, 1_000_000);
        options.MaxAdminConnections = limits.Int("MaxAdminConnections", options.MaxAdminConnections, 1, 1_000_000);
        // Kestrel needs room for at least a request line; 1 MiB is far past any real request head.
        options.MaxRequestHeadersBytes = limits.Int("MaxRequestHeadersBytes", options.MaxRequestHeadersBytes, 1024, 1024 * 1024);
        options.MaxRequestHeaderCount = limits.Int("MaxRequestHeaderCount", options.MaxRequestHeaderCount, 1, 10_000);
        options.RequestHeadersTimeout = limits.Duration("RequestHeadersTimeout", options.RequestHeadersTimeout, positive: true);
        options.KeepAliveTimeout = limits.Duration("KeepAliveTimeout", options.KeepAliveTimeout, positive: true);
        options.MaxStreamsPerConnection = limits.Int("MaxStreamsPerConnection", options.MaxStreamsPerConnection, 1, 10_000);
        options.StreamIdleTimeout = limits.DurationOrOff("StreamIdleTimeout", options.StreamIdleTimeout);
        options.MaxPendingPerPod = limits.Int("MaxPendingPerPod", options.MaxPendingPerPod, 0, 1_000_000);
        limits.RejectUnknown();
        return options;
    }

    private static DnsOptions ReadDns(SectionReader dns)
    {
        var options = new DnsOptions();
        if (dns.Exists("Servers"))
        {
            var servers = new List<IPEndPoint>();
            foreach (var (key, value) in dns.List("Servers"))
            {
                if (EndPointParser.TryParse(value, 53, out var ep) && ep.Port > 0)
                {
                    servers.Add(ep);
                }
                else
                {
                    dns.Error(key, $"'{value}' is not a valid DNS server address (address or address:port)");
                }
            }
            options.Servers = servers;
        }
        if (dns.Exists("Search"))
        {
            var search = new List<string>();
            foreach (var (key, value) in dns.List("Search"))
            {
                var domain = value?.Trim().TrimEnd('.') ?? "";
                if (IsDnsName(domain))
                {
                    search.Add(domain.ToLowerInvariant());
                }
                else
                {
                    dns.Error(key, $"'{value}' is not a valid domain name");
                }
            }
            options.Search = search;
        }
        options.Ndots = dns.OptionalInt("Ndots", 0, 15);
        options.Timeout = dns.Duration("Timeout", options.Timeout, positive: true);
        options.MinRefresh = dns.Duration("MinRefresh", options.MinRefresh, positive: true);
        options.MaxRefresh = dns.Duration("MaxRefresh", options.MaxRefresh, positive: true);
        options.MaxStale = dns.Duration("MaxStale", options.MaxStale);
        // One DNS message holds at most ~6,000 records (65,535 octets, 11 at least each): a larger cap would be no cap.
        options.MaxAnswerRecords = dns.Int("MaxAnswerRecords", options.MaxAnswerRecords, 1, ushort.MaxValue);
        if (options.MinRefresh > options.MaxRefresh)
        {
            dns.Error("MaxRefresh", $"'{options.MaxRefresh}' is shorter than MinRefresh ('{options.MinRefresh}')");
        }
        dns.RejectUnknown();
        return options;
    }

    private static ServiceOptions? ReadService(SectionReader s, SidecarReadOptions read)
    {
        var name = s.Name;
        if (!ServiceNameRegex().IsMatch(name))
        {
            s.Error("", $"'{name}' is not a valid service key (letters, digits, '-', '_', '.'; it labels metrics)");
        }
        var host = s.String("Host");
        if (host is null)
        {
            s.Error("Host", "is required (the headless Service's DNS name)");
        }
        else if (!IsDnsName(host.TrimEnd('.')))
        {
            s.Error("Host", $"'{host}' is not a valid DNS name");
        }
        var portName = s.String("PortName");
        if (portName is not null && !PortNameRegex().IsMatch(portName))
        {
            s.Error("PortName", $"'{portName}' is not a valid Kubernetes port name (lower-case letters, digits and '-', at most 15)");
        }
        var port = s.OptionalInt("Port", 1, 65535);
        if (portName is null && port is null && !s.Exists("Port"))
        {
            s.Error("PortName", "either PortName (SRV discovery) or Port (A/AAAA discovery) is required");
        }
        var listen = s.EndPoint("Listen", defaultPort: null);
        if (listen is null && !s.Exists("Listen"))
        {
            s.Error("Listen", "is required (the local address:port the app connects to, e.g. 127.0.0.1:18001)");
        }
        else if (listen is { Port: 0 })
        {
            s.Error("Listen", $"'{s.Raw("Listen")}' needs a port");
        }

        var options = new ServiceOptions
        {
            Name = name,
            Host = host?.TrimEnd('.').ToLowerInvariant() ?? "",
            HostIsAbsolute = host?.EndsWith('.') == true,
            PortName = portName,
            Port = port,
            Listen = listen ?? new IPEndPoint(IPAddress.Loopback, 0),
        };
        options.Protocol = s.Enum("Protocol", options.Protocol);
        var version = s.String("UpstreamHttpVersion");
        if (version is not null)
        {
            switch (version)
            {
                case "1.1":
                    options.UpstreamHttpVersion = HttpVersion.Version11;
                    break;
                case "2" or "2.0":
                    options.UpstreamHttpVersion = HttpVersion.Version20;
                    break;
                default:
                    s.Error("UpstreamHttpVersion", $"'{version}' is not supported (1.1 or 2)");
                    break;
            }
        }
        options.OrdinalPortBase = s.OptionalInt("OrdinalPortBase", 1, 65535);
        options.LoadBalancing = s.Enum("LoadBalancing", options.LoadBalancing);
        options.HashHeader = s.String("HashHeader");
        if (options.HashHeader is not null && !HeaderNameRegex().IsMatch(options.HashHeader))
        {
            s.Error("HashHeader", $"'{options.HashHeader}' is not a valid header name");
        }
        options.SlowStart = s.Duration("SlowStart", options.SlowStart);

        var timeouts = s.Section("Timeouts");
        options.Timeouts.Connect = timeouts.Duration("Connect", options.Timeouts.Connect, positive: true);
        options.Timeouts.PerTry = timeouts.NullableDuration("PerTry");
        options.Timeouts.Request = timeouts.Duration("Request", options.Timeouts.Request, positive: true);
        timeouts.RejectUnknown();

        var retry = s.Section("Retry");
        options.Retry.MaxAttempts = retry.Int("MaxAttempts", options.Retry.MaxAttempts, 1, 100);
        options.Retry.BudgetPercent = retry.Int("BudgetPercent", options.Retry.BudgetPercent, 0, 100);
        options.Retry.OnStatus = ReadStatusList(retry, "OnStatus") ?? options.Retry.OnStatus;
        options.Retry.OnGrpcStatus = ReadGrpcStatusList(retry, "OnGrpcStatus") ?? options.Retry.OnGrpcStatus;
        options.Retry.MaxReplayBodyBytes = retry.Int("MaxReplayBodyBytes", options.Retry.MaxReplayBodyBytes, 0, 64 * 1024 * 1024);
        retry.RejectUnknown();

        options.Role = s.Choice("Role", ["Any", "Primary", "Replica"]) ?? options.Role;

        var health = s.Section("Health");
        options.Health.ConsecutiveFailures = health.Int("ConsecutiveFailures", options.Health.ConsecutiveFailures, 1, 1000);
        options.Health.EjectFor = health.Duration("EjectFor", options.Health.EjectFor, positive: true);
        options.Health.Check = health.Choice("Check", Checks);
        options.Health.ProbePath = health.String("ProbePath");
        if (options.Health.ProbePath is { } path && !path.StartsWith('/'))
        {
            health.Error("ProbePath", $"'{path}' must start with '/'");
        }
        options.Health.ProbeInterval = health.Duration("ProbeInterval", options.Health.ProbeInterval, positive: true);
        var probeTimeoutSet = health.String("ProbeTimeout") is not null;
        options.Health.ProbeTimeout = health.Duration("ProbeTimeout", options.Health.ProbeTimeout, positive: true);
        if (!probeTimeoutSet && options.Health.ProbeTimeout > options.Health.ProbeInterval)
        {
            // A short ProbeInterval must not be refused for a default the user never set: the probe gets the interval.
            options.Health.ProbeTimeout = options.Health.ProbeInterval;
        }
        options.Health.CredentialsFile = health.String("CredentialsFile");
        options.Health.GrpcService = health.String("GrpcService") ?? options.Health.GrpcService;
        health.RejectUnknown();

        var pool = s.Section("Pool");
        options.Pool.MaxConnectionsPerPod = pool.Int("MaxConnectionsPerPod", options.Pool.MaxConnectionsPerPod, 0, 100_000);
        options.Pool.IdleTimeout = pool.Duration("IdleTimeout", options.Pool.IdleTimeout, positive: true);
        options.Pool.WarmConnections = pool.Int("WarmConnections", options.Pool.WarmConnections, 0, 1_000);
        if (options.Pool.MaxConnectionsPerPod > 0 && options.Pool.WarmConnections > options.Pool.MaxConnectionsPerPod)
        {
            pool.Error("WarmConnections", $"'{options.Pool.WarmConnections}' exceeds MaxConnectionsPerPod ('{options.Pool.MaxConnectionsPerPod}')");
        }
        pool.RejectUnknown();

        var tcp = s.Section("Tcp");
        options.Tcp.IdleTimeout = tcp.NullableDuration("IdleTimeout");
        options.Tcp.RemovedPodGrace = tcp.NullableDuration("RemovedPodGrace");
        tcp.RejectUnknown();
        options.Tls = ReadTls(s.Section("Tls"));
        s.RejectUnknown();

        ValidateService(s, options);
        ValidateTls(s, options, read);
        return options;
    }

    private static TlsOptions ReadTls(SectionReader tls)
    {
        var options = new TlsOptions();
        options.Mode = tls.Enum("Mode", options.Mode);
        options.CaFile = tls.String("CaFile");
        options.CertFile = tls.String("CertFile");
        options.KeyFile = tls.String("KeyFile");
        options.ServerName = tls.String("ServerName")?.TrimEnd('.').ToLowerInvariant();
        switch (tls.Choice("MinVersion", ["Tls12", "Tls13"]))
        {
            case "Tls13":
                options.MinVersion = System.Security.Authentication.SslProtocols.Tls13;
                break;
            case "Tls12":
                options.MinVersion = System.Security.Authentication.SslProtocols.Tls12;
                break;
        }
        options.InsecureSkipVerify = tls.Bool("InsecureSkipVerify", options.InsecureSkipVerify);
        tls.RejectUnknown();
        return options;
    }

    /// <summary>Contract section 9: rules across the Tls keys, the service's protocol, and (unless
    /// <see cref="SidecarReadOptions.CheckFiles"/> is off) the files themselves.</summary>
    private static void ValidateTls(SectionReader s, ServiceOptions options, SidecarReadOptions read)
    {
        var tls = options.Tls;
        if (tls.ServerName is { } serverName)
        {
            if (IPAddress.TryParse(serverName.Trim('[', ']'), out _))
            {
                s.Error("Tls:ServerName", $"'{serverName}' is an IP address; SNI and the certificate check need a DNS name");
            }
            else if (serverName.StartsWith("*.", StringComparison.Ordinal) || !IsDnsName(serverName))
            {
                s.Error("Tls:ServerName", $"'{serverName}' is not a valid DNS name (the name sent as SNI and verified, e.g. nginx.default.svc.cluster.local)");
            }
        }
        if (!tls.Enabled)
        {
            return;
        }
        if (options.Protocol == ServiceProtocol.Tcp && (options.Health.Check == "MySql"))
        {
            s.Error("Tls:Mode", $"'{tls.Mode}' cannot be used with Health:Check 'MySql': MySQL and MariaDB start in plaintext and upgrade inside their protocol, so the connection is not TLS from the first byte");
        }
        if (tls.CertFile is not null && tls.KeyFile is null)
        {
            s.Error("Tls:KeyFile", "is required with Tls:CertFile (the certificate's private key, PEM)");
        }
        if (tls.KeyFile is not null && tls.CertFile is null)
        {
            s.Error("Tls:CertFile", "is required with Tls:KeyFile (the client certificate, PEM)");
        }
        if (tls.Mode == TlsMode.MutualTls && tls.CertFile is null && tls.KeyFile is null)
        {
            s.Error("Tls:CertFile", "is required with Tls:Mode 'MutualTls' (with Tls:KeyFile: the client certificate the sidecar presents)");
        }
        if (tls.Mode == TlsMode.Tls && (tls.CertFile is not null || tls.KeyFile is not null))
        {
            s.Error("Tls:Mode", "'Tls' presents no client certificate, yet Tls:CertFile/KeyFile are set: use 'MutualTls' to present it");
        }
        if (!read.CheckFiles)
        {
            return;
        }
        var problems = new List<Tls.TlsMaterialLoader.Problem>();
        // A client certificate only where it is used (the errors above cover the rest).
        var files = tls.Mode == TlsMode.MutualTls ? tls : new TlsOptions { Mode = tls.Mode, CaFile = tls.CaFile };
        Tls.TlsMaterialLoader.LoadFiles(files, read.Now ?? DateTimeOffset.UtcNow, 1, problems);
        foreach (var problem in problems)
        {
            s.Error($"Tls:{problem.Key}", problem.Reason);
        }
    }

    private static void ValidateService(SectionReader s, ServiceOptions options)
    {
        if (options.LoadBalancing == LoadBalancingMode.ConsistentHash)
        {
            if (options.Protocol != ServiceProtocol.Http)
            {
                s.Error("LoadBalancing", "'ConsistentHash' is for Http services only");
            }
            if (options.HashHeader is null)
            {
                s.Error("HashHeader", "is required with LoadBalancing 'ConsistentHash'");
            }
        }
        if (options.Role != "Any")
        {
            var check = options.Health.Check;
            if (options.Protocol != ServiceProtocol.Tcp || check is null || !RoleChecks.Contains(check))
            {
                s.Error("Role", $"'{options.Role}' needs a Tcp service with a Health:Check that knows roles (Redis, MySql or ZooKeeper)");
            }
        }
        if (options.Health.Check is "Redis" or "MySql" or "ZooKeeper" or "Ldap" && options.Protocol != ServiceProtocol.Tcp)
        {
            s.Error("Health:Check", $"'{options.Health.Check}' probes a Tcp service; this service is Http");
        }
        if (options.Health.Check == "Grpc" && (options.Protocol != ServiceProtocol.Http || options.UpstreamHttpVersion.Major < 2))
        {
            s.Error("Health:Check", "'Grpc' needs an Http service with UpstreamHttpVersion '2' (gRPC runs over HTTP/2)");
        }
        if (options.Health.Check == "Http" && options.Health.ProbePath is null)
        {
            s.Error("Health:ProbePath", "is required with Health:Check 'Http'");
        }
        if (options.Health.ProbeTimeout > options.Health.ProbeInterval)
        {
            s.Error("Health:ProbeTimeout", $"'{options.Health.ProbeTimeout}' is longer than ProbeInterval ('{options.Health.ProbeInterval}')");
        }
        if (options.Timeouts.PerTry is { } perTry && perTry > options.Timeouts.Request)
        {
            s.Error("Timeouts:PerTry", $"'{perTry}' is longer than Timeouts:Request ('{options.Timeouts.Request}')");
        }
    }

    private static void ValidateAcrossServices(SidecarOptions options, List<ConfigError> errors)
    {
        foreach (var group in options.Services.Where(s => s.Listen.Port != 0).GroupBy(s => s.Listen))
        {
            var services = group.ToList();
            if (group.Key.Equals(options.AdminListen) || group.Key.Port == options.AdminListen.Port && IsWildcard(options.AdminListen.Address))
            {
                errors.Add(new ConfigError(Key(services[0], "Listen"), $"'{group.Key}' is the admin listener's address"));
            }
            if (services.Count < 2)
            {
                continue;
            }
            foreach (var tcp in services.Where(s => s.Protocol != ServiceProtocol.Http))
            {
                errors.Add(new ConfigError(Key(tcp, "Listen"), $"'{group.Key}' is shared with another service; only Http services can share a listener"));
            }
            foreach (var dup in services.GroupBy(s => s.Host, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                errors.Add(new ConfigError(Key(dup.Last(), "Host"), $"'{dup.Key}' is used by another service on the same listener '{group.Key}', so Host cannot tell them apart"));
            }
        }
        var ports = new Dictionary<int, string>();
        foreach (var service in options.Services)
        {
            if (service.Listen.Port != 0 && IPAddress.IsLoopback(service.Listen.Address) || IsWildcard(service.Listen.Address))
            {
                ports.TryAdd(service.Listen.Port, Key(service, "Listen"));
            }
        }
        ports.TryAdd(options.AdminListen.Port, $"{SectionName}:Admin:Listen");
        foreach (var service in options.Services)
        {
            if (service.OrdinalPortBase is int b && ports.TryGetValue(b, out var other))
            {
                errors.Add(new ConfigError(Key(service, "OrdinalPortBase"), $"'{b}' is the port of {other}; ordinal n listens on base + n"));
            }
        }
        var bases = options.Services.Where(s => s.OrdinalPortBase is not null).OrderBy(s => s.OrdinalPortBase).ToList();
        for (var i = 1; i < bases.Count; i++)
        {
            if (bases[i].OrdinalPortBase == bases[i - 1].OrdinalPortBase)
            {
                errors.Add(new ConfigError(Key(bases[i], "OrdinalPortBase"), $"'{bases[i].OrdinalPortBase}' is also the base of service '{bases[i - 1].Name}'"));
            }
        }
    }

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static string Key(ServiceOptions service, string key) => $"{SectionName}:Services:{service.Name}:{key}";

    private static List<int>? ReadStatusList(SectionReader section, string key) =>
        ReadCodeList(section, key, value => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var status)
            && status is >= 100 and <= 599 ? status : null, "is not an HTTP status code (100-599)");

    /// <summary>gRPC status names (any case) or numbers, as an array or a comma-separated string.</summary>
    private static List<int>? ReadGrpcStatusList(SectionReader section, string key) =>
        ReadCodeList(section, key, value => Forwarding.Grpc.GrpcStatusCode.TryParse(value, out var code) && code != 0 ? code : null,
            "is not a gRPC status other than OK (a name such as UNAVAILABLE, or 1-16)");

    /// <summary>
    /// A list of codes, as a JSON array or a comma-separated string (configuration cannot tell an empty array from
    /// an absent key, so <c>""</c> is the empty list); null when the key is absent.
    /// </summary>
    private static List<int>? ReadCodeList(SectionReader section, string key, Func<string?, int?> parse, string problem)
    {
        if (!section.Exists(key))
        {
            return null;
        }
        var raw = section.Raw(key);
        IEnumerable<(string Key, string? Value)> items = raw is not null
            ? raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(v => (key, (string?)v))
            : section.List(key);
        var result = new List<int>();
        foreach (var (itemKey, value) in items)
        {
            if (parse(value) is int code)
            {
                result.Add(code);
            }
            else
            {
                section.Error(itemKey, $"'{value}' {problem}");
            }
        }
        return result;
    }

    internal static bool IsDnsName(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }
        foreach (var label in name.Split('.'))
        {
            if (!DnsLabelRegex().IsMatch(label))
            {
                return false;
            }
        }
        return true;
    }

    [GeneratedRegex("^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex DnsLabelRegex();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")]
    private static partial Regex PortNameRegex();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,63}$")]
    private static partial Regex ServiceNameRegex();

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial Regex HeaderNameRegex();
}
