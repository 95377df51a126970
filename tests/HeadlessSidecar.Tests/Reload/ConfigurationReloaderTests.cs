using System.Diagnostics.Metrics;
using HeadlessSidecar.Commands;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Reload;
using HeadlessSidecar.Tests.Demo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Reload;

/// <summary>The triggers end to end on a fake clock: real files, the real re-read and validation, a recording applier.</summary>
public sealed class ConfigurationReloaderTests : IAsyncDisposable
{
    private static readonly ReloadTimings Timings = new();

    private readonly FakeTimeProvider _time = new();
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("headless-sidecar-reload-");
    private readonly CollectingLogger _log = new();
    private readonly ServiceProvider _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly string _meterName = $"HeadlessSidecar.Test.{Guid.NewGuid():N}";
    private readonly Dictionary<string, long> _reloads = new() { ["success"] = 0, ["failure"] = 0 };
    private RecordingApplier? _applier;
    private ConfigurationReloader? _reloader;

    public ConfigurationReloaderTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == _meterName && instrument.Name == ReloadMetrics.ReloadsName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "result")
                {
                    lock (_reloads)
                    {
                        _reloads[(string)tag.Value!] += value;
                    }
                }
            }
        });
        _listener.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (_reloader is not null)
        {
            await _reloader.StopAsync(CancellationToken.None);
            _reloader.Dispose();
        }
        _listener.Dispose();
        await _metricsServices.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string ConfigPath => Path.Combine(_directory.FullName, "sidecar.json");

    private static string Config(string loadBalancing = "RoundRobin", string listen = "127.0.0.1:18001", string admin = "127.0.0.1:18090") => $$"""
        { "Sidecar": { "Admin": { "Listen": "{{admin}}" }, "Services": { "web": {
          "Host": "nginx-headless.default.svc.cluster.local", "PortName": "web", "Listen": "{{listen}}", "LoadBalancing": "{{loadBalancing}}" } } } }
        """;

    private ReloadMetrics _metrics = null!;

    private async Task<ConfigurationReloader> StartAsync(string content, params string[] overrides)
    {
        await File.WriteAllTextAsync(ConfigPath, content, Ct);
        var origin = new ConfigurationOrigin(ConfigPath, overrides);
        var initial = SidecarOptionsReader.Read(SidecarConfiguration.Build(ConfigPath, overrides), out var errors);
        Assert.Empty(errors);
        _applier = new RecordingApplier(initial);
        _metrics = new ReloadMetrics(_metricsServices.GetRequiredService<IMeterFactory>(), new SidecarMeter(_meterName));
        _reloader = new ConfigurationReloader(_applier, _metrics, _time, Timings, new SingleLoggerFactory(_log), origin);
        await _reloader.StartAsync(Ct);
        return _reloader;
    }

    /// <summary>Lets time pass in steps shorter than any period, so every timer fires when it is due.</summary>
    private void Elapse(TimeSpan total)
    {
        for (var passed = TimeSpan.Zero; passed < total; passed += TimeSpan.FromMilliseconds(100))
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Long enough for a written file to be applied: two polls that read it, then the quiet period.</summary>
    private void ElapseUntilApplied() => Elapse(2 * Timings.PollInterval + Timings.Quiet);

    private long Reloads(string result)
    {
        lock (_reloads)
        {
            return _reloads[result];
        }
    }

    [Fact]
    public async Task FileChange_ValidConfiguration_AppliedOnceWithinTheDeadline()
    {
        await StartAsync(Config());
        await File.WriteAllTextAsync(ConfigPath, Config(loadBalancing: "LeastRequests"), Ct);

        Elapse(Timings.PollInterval);
        Assert.Empty(_applier!.Applied);
        ElapseUntilApplied();

        var applied = Assert.Single(_applier.Applied);
        Assert.Equal(LoadBalancingMode.LeastRequests, applied.Services[0].LoadBalancing);
        Assert.Equal(1, Reloads("success"));
        Assert.Equal(0, Reloads("failure"));
        Assert.True(_metrics.LastSuccessful);
        Assert.Contains(_log.Messages, m => m.StartsWith("Configuration reloaded (file change): service web: changed.", StringComparison.Ordinal));
        // Contract: applied within 5 s of the write.
        Assert.True(2 * Timings.PollInterval + Timings.Quiet <= TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task FileChange_SameContentRewritten_IsNoReloadAndNotCounted()
    {
        await StartAsync(Config());
        File.SetLastWriteTimeUtc(ConfigPath, DateTime.UtcNow.AddMinutes(1));
        await File.WriteAllTextAsync(ConfigPath, Config(), Ct);

        Elapse(TimeSpan.FromSeconds(10));

        Assert.Empty(_applier!.Applied);
        Assert.Equal(0, Reloads("success") + Reloads("failure"));
        Assert.Equal(0, _reloader!.Attempts);
    }

    [Fact]
    public async Task FileChange_InvalidThenFixed_FailureKeepsConfigurationThenSuccess()
    {
        await StartAsync(Config());
        await File.WriteAllTextAsync(ConfigPath, Config(listen: "127.0.0.1:99999"), Ct);
        ElapseUntilApplied();

        Assert.Empty(_applier!.Applied);
        Assert.Equal(1, Reloads("failure"));
        Assert.False(_metrics.LastSuccessful);
        // The same line `validate` prints, alone on its log line.
        Assert.Contains("Sidecar:Services:web:Listen: '127.0.0.1:99999' is not a valid endpoint", _log.Messages);

        // Polls of the same invalid content are not new failures.
        Elapse(TimeSpan.FromSeconds(10));
        Assert.Equal(1, Reloads("failure"));

        await File.WriteAllTextAsync(ConfigPath, Config(listen: "127.0.0.1:18002"), Ct);
        ElapseUntilApplied();
        Assert.Equal("127.0.0.1:18002", Assert.Single(_applier.Applied).Services[0].Listen.ToString());
        Assert.Equal(1, Reloads("success"));
        Assert.True(_metrics.LastSuccessful);
    }

    [Fact]
    public async Task FileChange_NotJson_FailsWithTheFileNamed()
    {
        await StartAsync(Config());
        await File.WriteAllTextAsync(ConfigPath, "{ \"Sidecar\": ", Ct);
        ElapseUntilApplied();

        Assert.Empty(_applier!.Applied);
        Assert.Equal(1, Reloads("failure"));
        Assert.Contains(_log.Messages, m => m.StartsWith("--config: ", StringComparison.Ordinal) && m.Contains("is not valid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FileChange_HalfWritten_NeverApplied()
    {
        await StartAsync(Config());
        var whole = Config(loadBalancing: "LeastRequests");
        // A writer that is still writing: each poll sees a longer prefix, never the same content twice.
        for (var length = 20; length < whole.Length; length += 20)
        {
            await File.WriteAllTextAsync(ConfigPath, whole[..length], Ct);
            Elapse(Timings.PollInterval);
        }
        Assert.Equal(0, Reloads("failure"));
        Assert.Empty(_applier!.Applied);

        await File.WriteAllTextAsync(ConfigPath, whole, Ct);
        ElapseUntilApplied();
        Assert.Single(_applier.Applied);
        Assert.Equal(0, Reloads("failure"));
    }

    [Fact]
    public async Task FileDeleted_OneFailureNotOnePerPoll_RestoredContentReloads()
    {
        await StartAsync(Config());
        File.Delete(ConfigPath);
        ElapseUntilApplied();
        Elapse(TimeSpan.FromSeconds(10));

        Assert.Equal(1, Reloads("failure"));
        Assert.False(_metrics.LastSuccessful);
        Assert.Empty(_applier!.Applied);
        Assert.Contains(_log.Messages, m => m.StartsWith("--config: ", StringComparison.Ordinal) && m.EndsWith("does not exist", StringComparison.Ordinal));

        // Back with the content in use: the running configuration is whole again, and the reload says so.
        await File.WriteAllTextAsync(ConfigPath, Config(), Ct);
        ElapseUntilApplied();
        Assert.Single(_applier.Applied);
        Assert.Equal(1, Reloads("success"));
        Assert.True(_metrics.LastSuccessful);
    }

    [Fact]
    public async Task FileDeleted_RestoredWithNewContent_OneReload()
    {
        await StartAsync(Config());
        File.Delete(ConfigPath);
        ElapseUntilApplied();
        Assert.Equal(1, Reloads("failure"));

        await File.WriteAllTextAsync(ConfigPath, Config(loadBalancing: "LeastRequests"), Ct);
        ElapseUntilApplied();
        Elapse(TimeSpan.FromSeconds(10));

        // Readable again, then published once two polls read it alike: one reload, of the new content.
        var applied = Assert.Single(_applier!.Applied);
        Assert.Equal(LoadBalancingMode.LeastRequests, applied.Services[0].LoadBalancing);
        Assert.Equal(1, Reloads("success"));
        Assert.True(_metrics.LastSuccessful);
    }

    [Fact]
    public async Task Signal_UnchangedContent_ReadsAgainAndCounts()
    {
        var reloader = await StartAsync(Config());

        await reloader.ReloadAsync(ReloadTrigger.Signal);

        Assert.Single(_applier!.Applied);
        Assert.Equal(1, Reloads("success"));
        Assert.Contains(_log.Messages, m => m.StartsWith("Configuration reloaded (SIGHUP)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FileChange_CommandLineOverride_StillWins()
    {
        await StartAsync(Config(), "--Sidecar:Services:web:LoadBalancing=PowerOfTwoChoices");
        await File.WriteAllTextAsync(ConfigPath, Config(loadBalancing: "LeastRequests", listen: "127.0.0.1:18003"), Ct);
        ElapseUntilApplied();

        var applied = Assert.Single(_applier!.Applied);
        Assert.Equal(LoadBalancingMode.PowerOfTwoChoices, applied.Services[0].LoadBalancing);
        Assert.Equal("127.0.0.1:18003", applied.Services[0].Listen.ToString());
    }

    [Fact]
    public async Task FileChange_ApplierRefuses_CountedAsFailureWithItsProblems()
    {
        await StartAsync(Config());
        _applier!.Refuse = new ConfigurationApplyException(["Sidecar:Services:web:Listen: '127.0.0.1:18004' cannot be bound: the address is already in use"]);
        await File.WriteAllTextAsync(ConfigPath, Config(listen: "127.0.0.1:18004"), Ct);
        ElapseUntilApplied();

        Assert.Equal(1, Reloads("failure"));
        Assert.Equal(0, Reloads("success"));
        Assert.Contains("Sidecar:Services:web:Listen: '127.0.0.1:18004' cannot be bound: the address is already in use", _log.Messages);
    }

    [Fact]
    public async Task FileChange_ApplierFailsUnexpectedly_CountedAsFailureAndLogged()
    {
        await StartAsync(Config());
        _applier!.Refuse = new InvalidOperationException("a bug");
        await File.WriteAllTextAsync(ConfigPath, Config(loadBalancing: "LeastRequests"), Ct);
        ElapseUntilApplied();

        Assert.Equal(1, Reloads("failure"));
        Assert.False(_metrics.LastSuccessful);
        Assert.Contains("Configuration reload failed unexpectedly; the running configuration is kept.", _log.Messages);
    }

    [Fact]
    public async Task FileChange_RestartRequired_NamedAndCountedAsSuccess()
    {
        await StartAsync(Config());
        _applier!.RestartRequired = ["Sidecar:Admin:Listen"];
        await File.WriteAllTextAsync(ConfigPath, Config(admin: "127.0.0.1:18091"), Ct);
        ElapseUntilApplied();

        Assert.Equal(1, Reloads("success"));
        Assert.Contains(_log.Messages, m => m.Contains("Sidecar:Admin:Listen changed but apply only at a restart", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reload_InsecureSkipVerify_WarnedAtStartAndAtEveryReload()
    {
        var reloader = await StartAsync(Config());
        _applier!.Insecure = true;
        await reloader.ReloadAsync(ReloadTrigger.Signal);
        await reloader.ReloadAsync(ReloadTrigger.Signal);

        Assert.Equal(2, _log.Messages.Count(m => m == "Sidecar:Services:web:Tls:InsecureSkipVerify is true: the pods' certificates are not verified."));
    }

    private sealed class RecordingApplier(SidecarOptions initial) : IConfigurationApplier
    {
        private SidecarOptions _current = initial;

        public List<SidecarOptions> Applied { get; } = [];

        public Exception? Refuse { get; set; }

        public IReadOnlyList<string> RestartRequired { get; set; } = [];

        public bool Insecure { get; set; }

        public SidecarOptions Current => _current;

        public Task<ReloadChanges> ApplyAsync(SidecarOptions next, CancellationToken cancellationToken)
        {
            if (Refuse is not null)
            {
                throw Refuse;
            }
            if (Insecure)
            {
                next.Services[0].Tls.Mode = TlsMode.Tls;
                next.Services[0].Tls.InsecureSkipVerify = true;
            }
            Applied.Add(next);
            _current = next;
            return Task.FromResult(new ReloadChanges(["service web: changed"], RestartRequired));
        }
    }

    private sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}
