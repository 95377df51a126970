using System.Net;
using HeadlessSidecar.Configuration;
using Microsoft.Extensions.Configuration;

namespace HeadlessSidecar.Tests.Configuration;

public class SidecarOptionsReaderTests
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
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(data).Build();
        return SidecarOptionsReader.Read(configuration, out errors);
    }

    private static string SingleError(params (string Key, string? Value)[] values)
    {
        Read(out var errors, values);
        return Assert.Single(errors).ToString();
    }

    [Theory]
    [InlineData("nginx-headless.default.svc.cluster.local.", true)]
    [InlineData("nginx-headless.default.svc.cluster.local", false)]
    public void Read_HostWithTrailingDot_StoredWithoutDotAndAbsolute(string host, bool absolute)
    {
        var options = Read(out var errors, ("Sidecar:Services:web:Host", host));
        Assert.Empty(errors);
        Assert.Equal("nginx-headless.default.svc.cluster.local", options.Services[0].Host);
        Assert.Equal(absolute, options.Services[0].HostIsAbsolute);
    }

    [Fact]
    public void Read_MinimalService_AppliesContractDefaults()
    {
        var options = Read(out var errors);
        Assert.Empty(errors);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 18090), options.AdminListen);
        Assert.Equal(DebugAccess.Loopback, options.AdminDebugAccess);
        Assert.Equal(TimeSpan.FromSeconds(15), options.DrainTimeout);
        Assert.False(options.AccessLog);
        Assert.Null(options.Dns.Servers);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Dns.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Dns.MaxStale);
        Assert.Equal(5000, options.Dns.MaxAnswerRecords);
        var web = Assert.Single(options.Services);
        Assert.Equal("web", web.Name);
        Assert.Equal(ServiceProtocol.Http, web.Protocol);
        Assert.Equal(HttpVersion.Version11, web.UpstreamHttpVersion);
        Assert.Equal(LoadBalancingMode.PeakEwma, web.LoadBalancing);
        Assert.Equal(TimeSpan.FromSeconds(1), web.Timeouts.Connect);
        Assert.Null(web.Timeouts.PerTry);
        Assert.Equal(TimeSpan.FromSeconds(100), web.Timeouts.Request);
        Assert.Equal(3, web.Retry.MaxAttempts);
        Assert.Equal([503], web.Retry.OnStatus);
        Assert.Equal(5, web.Health.ConsecutiveFailures);
        Assert.Equal(TimeSpan.FromMinutes(1), web.Pool.IdleTimeout);
        Assert.Null(web.Tcp.IdleTimeout);
    }

    [Fact]
    public void Read_ContractExampleListen_ReportsKeyAndValue()
    {
        Assert.Equal("Sidecar:Services:web:Listen: '127.0.0.1:99999' is not a valid endpoint",
            SingleError(("Sidecar:Services:web:Listen", "127.0.0.1:99999")));
    }

    [Theory]
    [InlineData("5s", 5_000)]
    [InlineData("250ms", 250)]
    [InlineData("2m", 120_000)]
    [InlineData("00:00:07", 7_000)]
    public void Read_DurationForms_AreAccepted(string text, int milliseconds)
    {
        var options = Read(out var errors, ("Sidecar:Services:web:Timeouts:Connect", text));
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.Services[0].Timeouts.Connect);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("many")]
    public void Read_MaxAnswerRecordsOutOfRange_NamesKey(string value)
    {
        Assert.Equal($"Sidecar:Dns:MaxAnswerRecords: '{value}' is not a whole number from 1 to 65535",
            SingleError(("Sidecar:Dns:MaxAnswerRecords", value)));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("65535", 65535)]
    public void Read_MaxAnswerRecordsAtTheEdges_Accepted(string value, int expected)
    {
        var options = Read(out var errors, ("Sidecar:Dns:MaxAnswerRecords", value));
        Assert.Empty(errors);
        Assert.Equal(expected, options.Dns.MaxAnswerRecords);
    }

    [Fact]
    public void Read_BadDuration_NamesKey()
    {
        Assert.StartsWith("Sidecar:Dns:MaxStale: 'soon' is not a duration", SingleError(("Sidecar:Dns:MaxStale", "soon")));
    }

    [Fact]
    public void Read_OnStatusEmptyString_TurnsStatusRetriesOff()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:Retry:OnStatus", ""));
        Assert.Empty(errors);
        Assert.Empty(options.Services[0].Retry.OnStatus);
    }

    [Fact]
    public void Read_OnGrpcStatusNamesAndNumbers_AreParsedCaseInsensitively()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:Retry:OnGrpcStatus", "unavailable, RESOURCE_EXHAUSTED,4"));
        Assert.Empty(errors);
        Assert.Equal([14, 8, 4], options.Services[0].Retry.OnGrpcStatus);
    }

    [Fact]
    public void Read_OnGrpcStatusDefault_IsEmpty()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:Retry:OnGrpcStatus:0", "UNAVAILABLE"));
        Assert.Empty(errors);
        Assert.Equal([14], options.Services[0].Retry.OnGrpcStatus);
        Assert.Empty(Read(out _).Services[0].Retry.OnGrpcStatus);
    }

    [Theory]
    [InlineData("Sidecar:Services:web:Retry:OnStatus:0", "99", "Sidecar:Services:web:Retry:OnStatus:0: '99' is not an HTTP status code (100-599)")]
    [InlineData("Sidecar:Services:web:Retry:OnStatus", "502,abc", "Sidecar:Services:web:Retry:OnStatus: 'abc' is not an HTTP status code (100-599)")]
    public void Read_OnStatusNotAStatus_NamesTheKey(string key, string value, string expected)
    {
        Assert.Equal(expected, SingleError((key, value)));
    }

    [Fact]
    public void Read_OnStatusCommaString_IsParsed()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:Retry:OnStatus", "502, 503"));
        Assert.Empty(errors);
        Assert.Equal([502, 503], options.Services[0].Retry.OnStatus);
    }

    [Theory]
    [InlineData("BROKEN")]
    [InlineData("OK")]
    [InlineData("17")]
    public void Read_OnGrpcStatusUnknown_NamesTheKey(string value)
    {
        var error = SingleError(("Sidecar:Services:web:Retry:OnGrpcStatus:0", value));
        Assert.StartsWith($"Sidecar:Services:web:Retry:OnGrpcStatus:0: '{value}' is not a gRPC status", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GrpcCheckOnHttp2Service_IsAccepted()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:UpstreamHttpVersion", "2"), ("Sidecar:Services:web:Health:Check", "Grpc"),
            ("Sidecar:Services:web:Health:GrpcService", "shop.Cart"));
        Assert.Empty(errors);
        Assert.Equal("Grpc", options.Services[0].Health.Check);
        Assert.Equal("shop.Cart", options.Services[0].Health.GrpcService);
        Assert.Equal("", Read(out _).Services[0].Health.GrpcService);
    }

    [Fact]
    public void Read_GrpcCheckOnHttp11Service_NamesTheKey()
    {
        var error = SingleError(("Sidecar:Services:web:Health:Check", "Grpc"));
        Assert.StartsWith("Sidecar:Services:web:Health:Check: 'Grpc' needs an Http service with UpstreamHttpVersion '2'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OnStatusArray_IsParsed()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:Retry:OnStatus:0", "503"), ("Sidecar:Services:web:Retry:OnStatus:1", "504"));
        Assert.Empty(errors);
        Assert.Equal([503, 504], options.Services[0].Retry.OnStatus);
    }

    [Fact]
    public void Read_OnStatusOutOfRange_NamesItem()
    {
        Assert.StartsWith("Sidecar:Services:web:Retry:OnStatus:1: '999'",
            SingleError(("Sidecar:Services:web:Retry:OnStatus:0", "503"), ("Sidecar:Services:web:Retry:OnStatus:1", "999")));
    }

    [Fact]
    public void Read_MissingRequiredKeys_ReportsEachOne()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sidecar:Services:web:Protocol"] = "Http",
        }).Build();
        SidecarOptionsReader.Read(configuration, out var errors);
        var keys = errors.Select(e => e.Key).ToList();
        Assert.Contains("Sidecar:Services:web:Host", keys);
        Assert.Contains("Sidecar:Services:web:PortName", keys);
        Assert.Contains("Sidecar:Services:web:Listen", keys);
    }

    [Fact]
    public void Read_NoServices_IsAnError()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sidecar:AccessLog"] = "true" }).Build();
        SidecarOptionsReader.Read(configuration, out var errors);
        Assert.Equal("Sidecar:Services", Assert.Single(errors).Key);
    }

    [Fact]
    public void Read_UnknownKey_IsReportedAsTypo()
    {
        Assert.Equal("Sidecar:Services:web:Lisen: is not a known setting", SingleError(("Sidecar:Services:web:Lisen", "127.0.0.1:1")));
    }

    [Fact]
    public void Read_BadEnum_ListsChoices()
    {
        Assert.Equal("Sidecar:Services:web:LoadBalancing: 'Random' is not one of RoundRobin, LeastRequests, PowerOfTwoChoices, ConsistentHash, LowestOrdinal, PeakEwma",
            SingleError(("Sidecar:Services:web:LoadBalancing", "Random")));
    }

    [Fact]
    public void Read_EnumCaseInsensitive_IsAccepted()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:LoadBalancing", "leastrequests"));
        Assert.Empty(errors);
        Assert.Equal(LoadBalancingMode.LeastRequests, options.Services[0].LoadBalancing);
    }

    [Fact]
    public void Read_UpstreamHttpVersion2_IsHttp2()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:UpstreamHttpVersion", "2"));
        Assert.Empty(errors);
        Assert.Equal(HttpVersion.Version20, options.Services[0].UpstreamHttpVersion);
    }

    [Fact]
    public void Read_NullPerTry_MeansOff()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:Timeouts:PerTry", null));
        Assert.Empty(errors);
        Assert.Null(options.Services[0].Timeouts.PerTry);
    }

    [Fact]
    public void Read_SharedListenerWithSameHost_IsAnError()
    {
        var error = SingleError(
            ("Sidecar:Services:api:Host", "nginx-headless.default.svc.cluster.local"),
            ("Sidecar:Services:api:Port", "8080"),
            ("Sidecar:Services:api:Listen", "127.0.0.1:18001"));
        Assert.Contains("Host", error, StringComparison.Ordinal);
        Assert.Contains("cannot tell them apart", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SharedListenerWithDistinctHosts_IsValid()
    {
        var options = Read(out var errors,
            ("Sidecar:Services:api:Host", "api-headless"),
            ("Sidecar:Services:api:Port", "8080"),
            ("Sidecar:Services:api:Listen", "127.0.0.1:18001"));
        Assert.Empty(errors);
        Assert.Equal(2, options.Services.Count);
    }

    [Fact]
    public void Read_ConsistentHashWithoutHeader_IsAnError()
    {
        Read(out var errors, ("Sidecar:Services:web:LoadBalancing", "ConsistentHash"));
        Assert.Contains(errors, e => e.Key == "Sidecar:Services:web:HashHeader");
    }

    [Fact]
    public void Read_TcpProtocol_IsAcceptedWithTcpSettings()
    {
        var options = Read(out var errors,
            ("Sidecar:Services:web:Protocol", "Tcp"),
            ("Sidecar:Services:web:Tcp:IdleTimeout", "30s"),
            ("Sidecar:Services:web:Tcp:RemovedPodGrace", "5s"));
        Assert.Empty(errors);
        var web = Assert.Single(options.Services);
        Assert.Equal(ServiceProtocol.Tcp, web.Protocol);
        Assert.Equal(TimeSpan.FromSeconds(30), web.Tcp.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), web.Tcp.RemovedPodGrace);
        Assert.Equal("Connect", HeadlessSidecar.Runtime.ServiceRuntime.ActiveCheck(web));
    }

    [Fact]
    public void Read_ConsistentHashOnTcpService_IsAnError()
    {
        Assert.StartsWith("Sidecar:Services:web:LoadBalancing: 'ConsistentHash' is for Http services only",
            SingleError(("Sidecar:Services:web:Protocol", "Tcp"), ("Sidecar:Services:web:LoadBalancing", "ConsistentHash"), ("Sidecar:Services:web:HashHeader", "X-Key")));
    }

    [Fact]
    public void Read_RoleOnHttpService_IsAnError()
    {
        Assert.StartsWith("Sidecar:Services:web:Role: 'Primary' needs a Tcp service", SingleError(("Sidecar:Services:web:Role", "Primary")));
    }

    [Fact]
    public void Read_DnsServersAndSearch_AreParsed()
    {
        var options = Read(out var errors,
            ("Sidecar:Dns:Servers:0", "127.0.0.1:5353"),
            ("Sidecar:Dns:Servers:1", "10.96.0.10"),
            ("Sidecar:Dns:Search:0", "default.svc.cluster.local"),
            ("Sidecar:Dns:Ndots", "5"));
        Assert.Empty(errors);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 5353), new IPEndPoint(IPAddress.Parse("10.96.0.10"), 53)], options.Dns.Servers);
        Assert.Equal(["default.svc.cluster.local"], options.Dns.Search);
        Assert.Equal(5, options.Dns.Ndots);
    }

    [Fact]
    public void Read_MinRefreshAboveMax_IsAnError()
    {
        Assert.StartsWith("Sidecar:Dns:MaxRefresh:", SingleError(("Sidecar:Dns:MinRefresh", "1m"), ("Sidecar:Dns:MaxRefresh", "30s")));
    }

    [Fact]
    public void Read_OrdinalBaseOnListenPort_IsAnError()
    {
        Assert.StartsWith("Sidecar:Services:web:OrdinalPortBase: '18001'", SingleError(("Sidecar:Services:web:OrdinalPortBase", "18001")));
    }

    [Fact]
    public void Read_ManyProblems_AreAllReported()
    {
        Read(out var errors,
            ("Sidecar:Services:web:Listen", "nowhere"),
            ("Sidecar:Services:web:Retry:MaxAttempts", "0"),
            ("Sidecar:Services:web:Pool:WarmConnections", "-1"),
            ("Sidecar:AccessLog", "yes"));
        Assert.Equal(4, errors.Count);
    }

    [Theory]
    [InlineData("Any", DebugAccess.Any)]
    [InlineData("any", DebugAccess.Any)]
    [InlineData("Loopback", DebugAccess.Loopback)]
    public void Read_AdminDebugAccess_IsParsed(string text, DebugAccess expected)
    {
        var options = Read(out var errors, ("Sidecar:Admin:DebugAccess", text));
        Assert.Empty(errors);
        Assert.Equal(expected, options.AdminDebugAccess);
    }

    [Fact]
    public void Read_BadAdminDebugAccess_NamesKey()
    {
        Assert.Equal("Sidecar:Admin:DebugAccess: 'Everyone' is not one of Loopback, Any",
            SingleError(("Sidecar:Admin:DebugAccess", "Everyone")));
    }

    [Fact]
    public void Read_ProbeIntervalShorterThanDefaultTimeout_TimeoutFollowsInterval()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:Health:ProbeInterval", "500ms"));
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Services[0].Health.ProbeTimeout);
    }

    [Fact]
    public void Read_ProbeIntervalLongerThanDefaultTimeout_DefaultTimeoutKept()
    {
        var options = Read(out var errors, ("Sidecar:Services:web:Health:ProbeInterval", "2s"));
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Services[0].Health.ProbeTimeout);
    }

    [Fact]
    public void Read_ProbeTimeoutSetLongerThanInterval_IsAnError()
    {
        Assert.Equal("Sidecar:Services:web:Health:ProbeTimeout: '00:00:00.8000000' is longer than ProbeInterval ('00:00:00.5000000')",
            SingleError(("Sidecar:Services:web:Health:ProbeInterval", "500ms"), ("Sidecar:Services:web:Health:ProbeTimeout", "800ms")));
    }
}
