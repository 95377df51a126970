using System.Net;
using System.Threading.Channels;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Discovery;

/// <summary>
/// A <see cref="ServiceWatcher"/> on a <see cref="FakeTimeProvider"/> and a <see cref="FakeDnsQuerier"/>. The loop
/// reports each time it starts waiting, after its timer exists, so a test can advance the clock exactly to the due time.
/// </summary>
internal sealed class WatcherHarness : IAsyncDisposable
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(10);

    private readonly Channel<DateTimeOffset> _waits = Channel.CreateUnbounded<DateTimeOffset>();
    private readonly CancellationTokenSource _stop = new();
    private readonly DateTimeOffset _start;
    private Task? _run;

    public WatcherHarness(DnsOptions? dns = null, double random = 0, DiscoveryMetrics? metrics = null, ServiceEndpoints? endpoints = null,
        Microsoft.Extensions.Logging.ILogger<ServiceWatcher>? logger = null)
    {
        Options = dns ?? new DnsOptions
        {
            MinRefresh = TimeSpan.FromSeconds(1),
            MaxRefresh = TimeSpan.FromSeconds(30),
            MaxStale = TimeSpan.FromSeconds(10),
        };
        var service = new ServiceOptions { Name = "web", Host = Dns.Service + ".", PortName = "web", Listen = new IPEndPoint(IPAddress.Loopback, 18001) };
        Endpoints = endpoints ?? new ServiceEndpoints("web", service.Host);
        var resolver = new ServiceResolver(Querier,
            new EffectiveDnsSettings([new IPEndPoint(IPAddress.Loopback, 53)], [], 1, TimeSpan.FromSeconds(1)),
            NullLogger<ServiceResolver>.Instance);
        Watcher = new ServiceWatcher(service, Options, Endpoints, resolver, Time, logger ?? NullLogger<ServiceWatcher>.Instance, metrics,
            new RefreshSchedule(Options.MinRefresh, Options.MaxRefresh, () => random));
        Watcher.Waiting += due => _waits.Writer.TryWrite(due);
        _start = Time.GetUtcNow();
    }

    public FakeTimeProvider Time { get; } = new();
    public FakeDnsQuerier Querier { get; } = new();
    public DnsOptions Options { get; }
    public ServiceEndpoints Endpoints { get; }
    public ServiceWatcher Watcher { get; }
    public Task Running => _run ?? Task.CompletedTask;

    public ServiceSnapshot Current => Endpoints.Current;

    /// <summary>Time since the harness was made.</summary>
    public TimeSpan Elapsed => Time.GetUtcNow() - _start;

    public DateTimeOffset At(double seconds) => _start + TimeSpan.FromSeconds(seconds);

    public int SrvQueries => Querier.CountQueries(Dns.SrvName, DnsQueryType.Srv);

    /// <summary>Starts the loop and returns the delay before the second resolution.</summary>
    public Task<TimeSpan> StartAsync()
    {
        _run = Watcher.RunAsync(_stop.Token);
        return NextWaitAsync();
    }

    /// <summary>Waits until the loop waits again; returns how long from now the next resolution is due.</summary>
    public async Task<TimeSpan> NextWaitAsync()
    {
        var due = await _waits.Reader.ReadAsync().AsTask().WaitAsync(s_guard);
        return due - Time.GetUtcNow();
    }

    /// <summary>Moves the clock on and returns the delay the loop then waits for.</summary>
    public Task<TimeSpan> AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        return NextWaitAsync();
    }

    public Task<TimeSpan> AdvanceAsync(double seconds) => AdvanceAsync(TimeSpan.FromSeconds(seconds));

    public bool HasPendingWait => _waits.Reader.TryPeek(out _);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Running.WaitAsync(s_guard);
        _stop.Dispose();
    }
}
