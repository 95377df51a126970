using System.Net;

namespace HeadlessSidecar.Configuration;

/// <summary>One entry under <c>Sidecar:Services</c>; <see cref="Name"/> is its key.</summary>
public sealed class ServiceOptions
{
    public required string Name { get; init; }
    public required string Host { get; set; }

    /// <summary>The configured <c>Host</c> ended with a dot: it is tried alone, never through the search list.</summary>
    public bool HostIsAbsolute { get; set; }
    public string? PortName { get; set; }
    public int? Port { get; set; }
    public ServiceProtocol Protocol { get; set; } = ServiceProtocol.Http;
    public Version UpstreamHttpVersion { get; set; } = System.Net.HttpVersion.Version11;
    public required IPEndPoint Listen { get; set; }
    public int? OrdinalPortBase { get; set; }
    public LoadBalancingMode LoadBalancing { get; set; } = LoadBalancingMode.PeakEwma;
    public string? HashHeader { get; set; }
    public TimeSpan SlowStart { get; set; }
    public TimeoutOptions Timeouts { get; set; } = new();
    public RetryOptions Retry { get; set; } = new();
    public string Role { get; set; } = "Any";
    public HealthOptions Health { get; set; } = new();
    public PoolOptions Pool { get; set; } = new();
    public TcpOptions Tcp { get; set; } = new();
    public TlsOptions Tls { get; set; } = new();
}

public sealed class TimeoutOptions
{
    public TimeSpan Connect { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan? PerTry { get; set; }
    public TimeSpan Request { get; set; } = TimeSpan.FromSeconds(100);
}

public sealed class RetryOptions
{
    public int MaxAttempts { get; set; } = 3;
    public int BudgetPercent { get; set; } = 20;
    public IReadOnlyList<int> OnStatus { get; set; } = [503];
    /// <summary>gRPC status codes (numbers) whose Trailers-Only answers are retried on another pod.</summary>
    public IReadOnlyList<int> OnGrpcStatus { get; set; } = [];
    public int MaxReplayBodyBytes { get; set; } = 65536;
}

public sealed class HealthOptions
{
    public int ConsecutiveFailures { get; set; } = 5;
    public TimeSpan EjectFor { get; set; } = TimeSpan.FromSeconds(10);
    public string? Check { get; set; }
    public string? ProbePath { get; set; }
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);
    public string? CredentialsFile { get; set; }
    /// <summary>The service name a <c>Grpc</c> check asks <c>grpc.health.v1.Health/Check</c> about ("" = the whole server).</summary>
    public string GrpcService { get; set; } = "";
}

public sealed class PoolOptions
{
    public int MaxConnectionsPerPod { get; set; }
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(1);
    public int WarmConnections { get; set; }
    /// <summary><c>Limits:MaxPendingPerPod</c>, copied here by the reader: the pool is where requests wait.</summary>
    internal int MaxPending { get; set; } = 1024;
}

public sealed class TcpOptions
{
    public TimeSpan? IdleTimeout { get; set; }
    public TimeSpan? RemovedPodGrace { get; set; }
}
