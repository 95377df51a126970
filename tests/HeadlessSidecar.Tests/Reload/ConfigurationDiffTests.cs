using HeadlessSidecar.Configuration;
using HeadlessSidecar.Reload;
using Microsoft.Extensions.Configuration;

namespace HeadlessSidecar.Tests.Reload;

public class ConfigurationDiffTests
{
    private static readonly Dictionary<string, string?> Base = new()
    {
        ["Sidecar:Services:web:Host"] = "nginx-headless",
        ["Sidecar:Services:web:PortName"] = "web",
        ["Sidecar:Services:web:Listen"] = "127.0.0.1:18001",
        ["Sidecar:Services:db:Host"] = "mysql-headless",
        ["Sidecar:Services:db:Port"] = "3306",
        ["Sidecar:Services:db:Protocol"] = "Tcp",
        ["Sidecar:Services:db:Listen"] = "127.0.0.1:13306",
    };

    // Read as a reload reads them: the same reader, so both sides are whole, validated option trees.
    private static SidecarOptions Read(params (string Key, string? Value)[] changes)
    {
        var data = new Dictionary<string, string?>(Base);
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                data.Remove(key);
            }
            else
            {
                data[key] = value;
            }
        }
        var options = SidecarOptionsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(data).Build(), out var errors);
        Assert.Empty(errors);
        return options;
    }

    private static ConfigurationDiff Diff(params (string Key, string? Value)[] changes) => ConfigurationDiff.Compute(Read(), Read(changes));

    [Fact]
    public void Compute_SameSettingsReadTwice_IsEmpty()
    {
        var diff = Diff();

        Assert.True(diff.IsEmpty);
        Assert.All(diff.Services, s => Assert.Equal(ServiceChangeKind.Unchanged, s.Kind));
        Assert.Empty(diff.Describe());
    }

    [Fact]
    public void Compute_RetryAndLoadBalancing_InPlaceAndNewPolicyWithoutNewPools()
    {
        var diff = Diff(("Sidecar:Services:web:Retry:MaxAttempts", "2"), ("Sidecar:Services:web:LoadBalancing", "LeastRequests"));

        var web = diff["web"]!;
        Assert.Equal(ServiceChangeKind.Changed, web.Kind);
        Assert.Equal(["LoadBalancing", "Retry"], web.Settings);
        Assert.Equal(ServiceEffects.InPlace | ServiceEffects.NewPolicy, web.Effects);
        Assert.Equal(ServiceChangeKind.Unchanged, diff["db"]!.Kind);
        Assert.Equal(["service web: LoadBalancing, Retry"], diff.Describe());
    }

    [Theory]
    [InlineData("Sidecar:Services:web:Pool:MaxConnectionsPerPod", "4", "Pool")]
    [InlineData("Sidecar:Services:web:UpstreamHttpVersion", "2", "UpstreamHttpVersion")]
    public void Compute_PoolSettings_RenewPools(string key, string value, string setting)
    {
        var web = Diff((key, value))["web"]!;

        Assert.Equal([setting], web.Settings);
        Assert.Equal(ServiceEffects.NewPools, web.Effects);
    }

    [Theory]
    [InlineData("Sidecar:Services:web:Host", "other-headless", "Host")]
    [InlineData("Sidecar:Services:web:PortName", "http", "PortName")]
    public void Compute_DiscoverySettings_NewDiscovery(string key, string value, string setting)
    {
        var web = Diff((key, value))["web"]!;

        Assert.Equal([setting], web.Settings);
        Assert.Equal(ServiceEffects.NewDiscovery, web.Effects);
    }

    [Fact]
    public void Compute_ListenAndOrdinalPortBase_RebindAndOrdinalPorts()
    {
        var web = Diff(("Sidecar:Services:web:Listen", "127.0.0.1:18002"), ("Sidecar:Services:web:OrdinalPortBase", "18100"))["web"]!;

        Assert.Equal(["Listen", "OrdinalPortBase"], web.Settings);
        Assert.Equal(ServiceEffects.Rebind | ServiceEffects.OrdinalPorts, web.Effects);
    }

    [Fact]
    public void Compute_ProtocolChange_IsAReplacement()
    {
        var diff = Diff(("Sidecar:Services:db:Protocol", "Http"));

        var db = diff["db"]!;
        Assert.Equal(ServiceChangeKind.Replaced, db.Kind);
        Assert.Contains("Protocol", db.Settings);
        Assert.Equal("service db: replaced (Protocol)", db.Describe());
    }

    [Fact]
    public void Compute_AddedAndRemovedServices_NamedOncePerLine()
    {
        var diff = Diff(
            ("Sidecar:Services:db:Host", null), ("Sidecar:Services:db:Port", null), ("Sidecar:Services:db:Protocol", null), ("Sidecar:Services:db:Listen", null),
            ("Sidecar:Services:cache:Host", "redis-headless"), ("Sidecar:Services:cache:Port", "6379"), ("Sidecar:Services:cache:Protocol", "Tcp"),
            ("Sidecar:Services:cache:Listen", "127.0.0.1:16379"));

        Assert.Equal(ServiceChangeKind.Removed, diff["db"]!.Kind);
        Assert.Equal(ServiceChangeKind.Added, diff["cache"]!.Kind);
        Assert.Equal(ServiceChangeKind.Unchanged, diff["web"]!.Kind);
        Assert.Equal(["service db: removed", "service cache: added"], diff.Describe());
    }

    [Fact]
    public void Compute_GlobalSettings_ListedOnOneLine()
    {
        var diff = Diff(("Sidecar:DrainTimeout", "30s"), ("Sidecar:Dns:Timeout", "1s"), ("Sidecar:Limits:MaxConnectionsPerListener", "10"),
            ("Sidecar:AccessLog", "true"));

        Assert.Equal(["DrainTimeout", "Limits", "AccessLog", "Dns"], diff.Global);
        Assert.True(diff.DnsChanged);
        Assert.True(diff.LimitsChanged);
        Assert.All(diff.Services, s => Assert.Equal(ServiceChangeKind.Unchanged, s.Kind));
        Assert.Equal(["global: DrainTimeout, Limits, AccessLog, Dns"], diff.Describe());
    }

    [Fact]
    public void Compute_MaxPendingPerPod_IsALimitsChangeNotAPoolChange()
    {
        var diff = Diff(("Sidecar:Limits:MaxPendingPerPod", "8"));

        Assert.Equal(["Limits"], diff.Global);
        Assert.Equal(ServiceChangeKind.Unchanged, diff["web"]!.Kind);
    }

    [Fact]
    public void Compute_AdminListen_RestartRequiredNotGlobal()
    {
        var diff = Diff(("Sidecar:Admin:Listen", "127.0.0.1:18091"));

        Assert.Equal(["Sidecar:Admin:Listen"], diff.RestartRequired);
        Assert.Empty(diff.Global);
        Assert.False(diff.IsEmpty);
    }

    [Fact]
    public void Compute_HealthAndTcpSettings_InPlace()
    {
        var diff = Diff(("Sidecar:Services:web:Health:EjectFor", "30s"), ("Sidecar:Services:db:Tcp:IdleTimeout", "1m"));

        Assert.Equal(ServiceEffects.InPlace, diff["web"]!.Effects);
        Assert.Equal(["Health"], diff["web"]!.Settings);
        Assert.Equal(["Tcp"], diff["db"]!.Settings);
    }

    [Fact]
    public void Compute_RetryOnStatusListChanged_Detected()
    {
        var diff = Diff(("Sidecar:Services:web:Retry:OnStatus", "502,503"));

        Assert.Equal(["Retry"], diff["web"]!.Settings);
    }
}
