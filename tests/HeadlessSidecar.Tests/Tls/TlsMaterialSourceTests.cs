using System.Diagnostics.Metrics;
using System.Security.Cryptography.X509Certificates;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.FileWatching;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Tests.Certificates;
using HeadlessSidecar.Tests.FileWatching;
using HeadlessSidecar.Tls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Tls;

public sealed class TlsMaterialSourceTests : IDisposable
{
    private static readonly X509Certificate2 Authority = TestCertificates.CreateAuthority("material CA");
    private static readonly TimeSpan Interval = FileWatcherOptions.DefaultPollInterval;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly TestCertificate _first = TlsTestCertificates.CreateLeaf(Authority, "sidecar-1", client: true);
    private readonly MountedVolume _volume;
    private readonly ServiceProvider _provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, string> Tags)> _measurements = [];
    private readonly TlsMetrics _metrics;

    public TlsMaterialSourceTests()
    {
        _volume = MountedVolume.Create(Files(_first));
        var factory = _provider.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SidecarMeter.DefaultName && instrument.Meter.Scope == factory)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
        _metrics = new TlsMetrics(factory);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _provider.Dispose();
        _volume.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
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

    private double Reloads(string result) =>
        _measurements.Where(m => m.Instrument == TlsMetrics.ReloadsName && m.Tags["result"] == result).Sum(m => m.Value);

    private static Dictionary<string, string> Files(TestCertificate client) =>
        new() { ["tls.crt"] = client.CertificatePem, ["tls.key"] = client.KeyPem, ["ca.crt"] = Authority.ExportCertificatePem() };

    private TlsMaterialSource Create() => new("web", new TlsOptions
    {
        Mode = TlsMode.MutualTls,
        CaFile = _volume.PathOf("ca.crt"),
        CertFile = _volume.PathOf("tls.crt"),
        KeyFile = _volume.PathOf("tls.key"),
    }, new FileWatcherOptions(), _time, _metrics, NullLoggerFactory.Instance);

    private void Polls(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _time.Advance(Interval);
        }
    }

    [Fact]
    public void Create_GoodFiles_GenerationOneWithBothExpiries()
    {
        using var source = Create();
        var material = source.Current!;
        Assert.Equal(1, material.Generation);
        Assert.Equal(_first.Certificate.Thumbprint, material.ClientCertificate!.TargetCertificate.Thumbprint);
        Assert.Equal(new DateTimeOffset(_first.Certificate.NotAfter.ToUniversalTime()), material.ClientNotAfter);
        Assert.Equal(new DateTimeOffset(Authority.NotAfter.ToUniversalTime()), material.CaNotAfter);
        Assert.Equal(X509ChainTrustMode.CustomRootTrust, material.ChainPolicy.TrustMode);
        Assert.Equal(X509RevocationMode.NoCheck, material.ChainPolicy.RevocationMode);
        Assert.True(material.ChainPolicy.DisableCertificateDownloads);
        Assert.Equal(0, Reloads("success"));
        Assert.Equal(0, Reloads("failure"));
    }

    [Fact]
    public void Refresh_SecretSwappedByDataSymlink_NextGenerationCountedOnce()
    {
        using var source = Create();
        var second = TlsTestCertificates.CreateLeaf(Authority, "sidecar-2", client: true);
        _volume.Update(Files(second));
        Polls(2);

        var material = source.Current!;
        Assert.Equal(2, material.Generation);
        Assert.Equal(second.Certificate.Thumbprint, material.ClientCertificate!.TargetCertificate.Thumbprint);
        Assert.Equal(1, Reloads("success"));
        Assert.Equal(0, Reloads("failure"));
    }

    [Fact]
    public void Refresh_KeyOfAnotherCertificate_RefusedCountedAndOldKept()
    {
        using var source = Create();
        var second = TlsTestCertificates.CreateLeaf(Authority, "sidecar-2", client: true);
        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = second.CertificatePem, ["tls.key"] = _first.KeyPem, ["ca.crt"] = Authority.ExportCertificatePem() });
        Polls(3);

        Assert.Equal(1, source.Current!.Generation);
        Assert.Equal(_first.Certificate.Thumbprint, source.Current.ClientCertificate!.TargetCertificate.Thumbprint);
        Assert.Equal(1, Reloads("failure"));
        Assert.Equal(0, Reloads("success"));
    }

    [Fact]
    public void Refresh_ExpiredCertificate_Refused()
    {
        using var source = Create();
        var now = _time.GetUtcNow();
        var expired = TlsTestCertificates.CreateLeaf(Authority, "sidecar-old", client: true, now.AddDays(-5), now.AddDays(-1));
        _volume.Update(Files(expired));
        Polls(3);

        Assert.Equal(_first.Certificate.Thumbprint, source.Current!.ClientCertificate!.TargetCertificate.Thumbprint);
        Assert.Equal(1, Reloads("failure"));
    }

    [Fact]
    public void Refresh_BadThenGood_GoodTakenAsNextGeneration()
    {
        using var source = Create();
        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = "garbage", ["tls.key"] = _first.KeyPem, ["ca.crt"] = Authority.ExportCertificatePem() });
        Polls(3);
        var second = TlsTestCertificates.CreateLeaf(Authority, "sidecar-2", client: true);
        _volume.Update(Files(second));
        Polls(2);

        Assert.Equal(2, source.Current!.Generation);
        Assert.Equal(1, Reloads("failure"));
        Assert.Equal(1, Reloads("success"));
    }

    [Fact]
    public void Observe_ExpiryGauge_ReportsClientAndCaOfMaterialInUse()
    {
        using var source = Create();
        _listener.RecordObservableInstruments();
        var expiry = _measurements.Where(m => m.Instrument == TlsMetrics.ExpiryName).ToList();
        Assert.Equal(_first.Certificate.NotAfter.ToUniversalTime().Subtract(DateTime.UnixEpoch).TotalSeconds,
            expiry.Single(m => m.Tags["kind"] == "client").Value, precision: 0);
        Assert.Equal(new DateTimeOffset(Authority.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), expiry.Single(m => m.Tags["kind"] == "ca").Value);
    }

    [Fact]
    public void Observe_NoCaFile_NoCaSeries()
    {
        using var source = new TlsMaterialSource("web", new TlsOptions { Mode = TlsMode.Tls }, new FileWatcherOptions(), _time, _metrics, NullLoggerFactory.Instance);
        _listener.RecordObservableInstruments();
        Assert.DoesNotContain(_measurements, m => m.Instrument == TlsMetrics.ExpiryName);
        Assert.Equal(X509ChainTrustMode.System, source.Current!.ChainPolicy.TrustMode);
    }
}
