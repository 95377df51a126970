using System.Diagnostics.Metrics;
using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Metrics;
using Microsoft.Extensions.DependencyInjection;
using static HeadlessSidecar.Tests.Discovery.Dns;

namespace HeadlessSidecar.Tests.Discovery;

public sealed class DiscoveryMetricsTests : IDisposable
{
    private readonly ServiceProvider _provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, long Value, Dictionary<string, string> Tags)> _measurements = [];
    private readonly EndpointRegistry _registry;
    private readonly DiscoveryMetrics _metrics;

    public DiscoveryMetricsTests()
    {
        var factory = _provider.GetRequiredService<IMeterFactory>();
        _registry = new EndpointRegistry(new SidecarOptions
        {
            Services = [new ServiceOptions { Name = "web", Host = Service, PortName = "web", Listen = new IPEndPoint(IPAddress.Loopback, 18001) }],
        });
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SidecarMeter.DefaultName && instrument.Meter.Scope == factory)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
        _metrics = new DiscoveryMetrics(factory, _registry);
    }

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, string>();
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = (string)tag.Value!;
        }
        lock (_measurements)
        {
            _measurements.Add((instrument.Name, value, dictionary));
        }
    }

    private long Sum(string instrument, string key, string value) =>
        _measurements.Where(m => m.Instrument == instrument && m.Tags.GetValueOrDefault(key) == value).Sum(m => m.Value);

    [Fact]
    public void ServiceStarted_NewService_EveryLabelSetAtZero()
    {
        _metrics.ServiceStarted("web");

        Assert.Equal(
            new[] { "empty", "error", "nxdomain", "success" },
            _measurements.Where(m => m.Instrument == DiscoveryMetrics.LookupsName).Select(m => m.Tags["result"]).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["added", "address_changed", "removed"],
            _measurements.Where(m => m.Instrument == DiscoveryMetrics.EndpointChangesName).Select(m => m.Tags["change"]).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["malformed_name", "mismatched_answer", "out_of_domain", "record_limit"],
            _measurements.Where(m => m.Instrument == DiscoveryMetrics.RejectedName).Select(m => m.Tags["reason"]).Order(StringComparer.Ordinal));
        Assert.All(_measurements, m => Assert.Equal(0, m.Value));
        Assert.All(_measurements, m => Assert.Equal("web", m.Tags["service"]));
    }

    [Fact]
    public async Task Watcher_AnswersThenFailures_CountsLookupsChangesAndStale()
    {
        await using var h = new WatcherHarness(metrics: _metrics, endpoints: _registry["web"]);
        h.Querier.Set(SrvName, DnsQueryType.Srv, SrvAnswer(5, ("web-0", "10.0.0.1"), ("web-1", "10.0.0.2")));
        await h.StartAsync();
        h.Querier.Set(SrvName, DnsQueryType.Srv, SrvAnswer(5, ("web-0", "10.0.0.9")));
        await h.AdvanceAsync(5);
        h.Querier.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Failed("timeout"));
        await h.AdvanceAsync(5);

        _listener.RecordObservableInstruments();

        Assert.Equal(2, Sum(DiscoveryMetrics.LookupsName, "result", "success"));
        Assert.Equal(1, Sum(DiscoveryMetrics.LookupsName, "result", "error"));
        Assert.Equal(0, Sum(DiscoveryMetrics.LookupsName, "result", "nxdomain"));
        Assert.Equal(2, Sum(DiscoveryMetrics.EndpointChangesName, "change", "added"));
        Assert.Equal(1, Sum(DiscoveryMetrics.EndpointChangesName, "change", "removed"));
        Assert.Equal(1, Sum(DiscoveryMetrics.EndpointChangesName, "change", "address_changed"));
        var stale = Assert.Single(_measurements, m => m.Instrument == DiscoveryMetrics.StaleName);
        Assert.Equal(1, stale.Value);
        Assert.Equal("web", stale.Tags["service"]);
    }

    [Fact]
    public void StaleGauge_FreshService_Zero()
    {
        _listener.RecordObservableInstruments();

        var stale = Assert.Single(_measurements, m => m.Instrument == DiscoveryMetrics.StaleName);
        Assert.Equal(0, stale.Value);
    }

    [Theory]
    [InlineData(ResolutionResult.Success, "success")]
    [InlineData(ResolutionResult.NxDomain, "nxdomain")]
    [InlineData(ResolutionResult.Empty, "empty")]
    [InlineData(ResolutionResult.Error, "error")]
    public void ResultLabel_Result_ContractName(ResolutionResult result, string label)
    {
        Assert.Equal(label, DiscoveryMetrics.ResultLabel(result));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _provider.Dispose();
    }

    [Fact]
    public void Rejected_Counts_OneAddPerReasonWithItsCount()
    {
        _metrics.Rejected("web", new DnsRejections(3, 0, 2, 0));

        Assert.Equal(3, Sum(DiscoveryMetrics.RejectedName, "reason", "mismatched_answer"));
        Assert.Equal(2, Sum(DiscoveryMetrics.RejectedName, "reason", "out_of_domain"));
        Assert.Equal(2, _measurements.Count(m => m.Instrument == DiscoveryMetrics.RejectedName));
    }

    private sealed class WatcherLog : Microsoft.Extensions.Logging.ILogger<ServiceWatcher>
    {
        private readonly Demo.CollectingLogger _inner = new();

        public IReadOnlyCollection<string> Messages => _inner.Messages;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter) => _inner.Log(logLevel, eventId, state, exception, formatter);
    }

    [Fact]
    public async Task Watcher_RejectionsInEveryAnswer_CountedEveryTimeLoggedAtMostOncePerMinute()
    {
        var log = new WatcherLog();
        await using var h = new WatcherHarness(metrics: _metrics, endpoints: _registry["web"], logger: log);
        h.Querier.Set(SrvName, DnsQueryType.Srv,
            SrvAnswer(5, ("web-0", "10.0.0.1")).WithRejections(DnsRejections.Of(DnsRejectReason.MismatchedAnswer, 3)));
        await h.StartAsync();
        await h.AdvanceAsync(5);
        await h.AdvanceAsync(5);

        Assert.Equal(9, Sum(DiscoveryMetrics.RejectedName, "reason", "mismatched_answer"));
        Assert.Single(log.Messages, m => m.Contains("not believed", StringComparison.Ordinal));

        await h.AdvanceAsync(ServiceWatcher.RejectionLogInterval);

        var lines = log.Messages.Where(m => m.Contains("not believed", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        // The second line sums what the quiet minute held back.
        Assert.Contains("mismatched_answer 9", lines[1], StringComparison.Ordinal);
        Assert.Equal(["web-0"], h.Current.Pods.Select(p => p.Name));
    }
}
