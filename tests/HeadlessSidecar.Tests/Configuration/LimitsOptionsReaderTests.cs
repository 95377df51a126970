using System.Text;
using HeadlessSidecar.Configuration;
using Microsoft.Extensions.Configuration;

namespace HeadlessSidecar.Tests.Configuration;

/// <summary><c>Sidecar:Limits</c> and <c>Sidecar:DrainDelay</c> (contract sections 8 and 11).</summary>
public class LimitsOptionsReaderTests
{
    private static SidecarOptions Read(out IReadOnlyList<ConfigError> errors, params (string Key, string? Value)[] values)
    {
        var data = new Dictionary<string, string?>
        {
            ["Sidecar:Services:web:Host"] = "nginx-headless.default.svc.cluster.local",
            ["Sidecar:Services:web:PortName"] = "web",
            ["Sidecar:Services:web:Listen"] = "127.0.0.1:18001",
        };
        foreach (var (key, value) in values)
        {
            data[key] = value;
        }
        return SidecarOptionsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(data).Build(), out errors);
    }

    private static SidecarOptions ReadJson(string json, out IReadOnlyList<ConfigError> errors)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return SidecarOptionsReader.Read(new ConfigurationBuilder().AddJsonStream(stream).Build(), out errors);
    }

    [Fact]
    public void Read_NoLimitsSection_ContractDefaults()
    {
        var options = Read(out var errors);
        Assert.Empty(errors);
        var limits = options.Limits;
        Assert.Equal(1024, limits.MaxConnectionsPerListener);
        Assert.Equal(64, limits.MaxAdminConnections);
        Assert.Equal(32768, limits.MaxRequestHeadersBytes);
        Assert.Equal(100, limits.MaxRequestHeaderCount);
        Assert.Equal(TimeSpan.FromSeconds(10), limits.RequestHeadersTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), limits.KeepAliveTimeout);
        Assert.Equal(100, limits.MaxStreamsPerConnection);
        Assert.Equal(TimeSpan.FromMinutes(5), limits.StreamIdleTimeout);
        Assert.Equal(1024, limits.MaxPendingPerPod);
        Assert.Equal(TimeSpan.Zero, options.DrainDelay);
        Assert.Equal(1024, Assert.Single(options.Services).Pool.MaxPending);
    }

    [Fact]
    public void Read_EveryKeySet_ValuesTaken()
    {
        var options = Read(out var errors,
            ("Sidecar:DrainDelay", "10s"),
            ("Sidecar:Limits:MaxConnectionsPerListener", "3"),
            ("Sidecar:Limits:MaxAdminConnections", "2"),
            ("Sidecar:Limits:MaxRequestHeadersBytes", "4096"),
            ("Sidecar:Limits:MaxRequestHeaderCount", "20"),
            ("Sidecar:Limits:RequestHeadersTimeout", "2s"),
            ("Sidecar:Limits:KeepAliveTimeout", "00:00:30"),
            ("Sidecar:Limits:MaxStreamsPerConnection", "8"),
            ("Sidecar:Limits:StreamIdleTimeout", "1m"),
            ("Sidecar:Limits:MaxPendingPerPod", "0"));
        Assert.Empty(errors);
        var limits = options.Limits;
        Assert.Equal(TimeSpan.FromSeconds(10), options.DrainDelay);
        Assert.Equal(3, limits.MaxConnectionsPerListener);
        Assert.Equal(2, limits.MaxAdminConnections);
        Assert.Equal(4096, limits.MaxRequestHeadersBytes);
        Assert.Equal(20, limits.MaxRequestHeaderCount);
        Assert.Equal(TimeSpan.FromSeconds(2), limits.RequestHeadersTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), limits.KeepAliveTimeout);
        Assert.Equal(8, limits.MaxStreamsPerConnection);
        Assert.Equal(TimeSpan.FromMinutes(1), limits.StreamIdleTimeout);
        Assert.Equal(0, limits.MaxPendingPerPod);
        Assert.Equal(0, Assert.Single(options.Services).Pool.MaxPending);
    }

    [Theory]
    [InlineData("""{ "Sidecar": { "Limits": { "StreamIdleTimeout": null } } }""")]
    [InlineData("""{ "Sidecar": { "Limits": { "StreamIdleTimeout": "" } } }""")]
    [InlineData("""{ "Sidecar": { "Limits": { "StreamIdleTimeout": "null" } } }""")]
    public void Read_StreamIdleTimeoutNull_Off(string limits)
    {
        var json = limits.Replace("\"Limits\"", """ "Services": { "web": { "Host": "h.default.svc.cluster.local", "Port": 80, "Listen": "127.0.0.1:18001" } }, "Limits" """, StringComparison.Ordinal);
        var options = ReadJson(json, out var errors);
        Assert.Empty(errors);
        Assert.Null(options.Limits.StreamIdleTimeout);
    }

    [Theory]
    [InlineData("MaxConnectionsPerListener", "0", "Sidecar:Limits:MaxConnectionsPerListener: '0'")]
    [InlineData("MaxAdminConnections", "many", "Sidecar:Limits:MaxAdminConnections: 'many'")]
    [InlineData("MaxRequestHeadersBytes", "100", "Sidecar:Limits:MaxRequestHeadersBytes: '100'")]
    [InlineData("MaxRequestHeaderCount", "-1", "Sidecar:Limits:MaxRequestHeaderCount: '-1'")]
    [InlineData("RequestHeadersTimeout", "0s", "Sidecar:Limits:RequestHeadersTimeout: '0s'")]
    [InlineData("KeepAliveTimeout", "soon", "Sidecar:Limits:KeepAliveTimeout: 'soon'")]
    [InlineData("MaxStreamsPerConnection", "0", "Sidecar:Limits:MaxStreamsPerConnection: '0'")]
    [InlineData("StreamIdleTimeout", "0s", "Sidecar:Limits:StreamIdleTimeout: '0s'")]
    [InlineData("MaxPendingPerPod", "-5", "Sidecar:Limits:MaxPendingPerPod: '-5'")]
    [InlineData("MaxConnections", "5", "Sidecar:Limits:MaxConnections")]
    public void Read_BadLimit_ErrorNamesTheKey(string key, string value, string expected)
    {
        Read(out var errors, ($"Sidecar:Limits:{key}", value));
        Assert.StartsWith(expected, Assert.Single(errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BadDrainDelay_ErrorNamesTheKey()
    {
        Read(out var errors, ("Sidecar:DrainDelay", "later"));
        Assert.StartsWith("Sidecar:DrainDelay: 'later'", Assert.Single(errors).ToString(), StringComparison.Ordinal);
    }
}
