using System.Net;
using System.Text.Json;
using HeadlessSidecar.Admin;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Reload;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace HeadlessSidecar.Tests.Admin;

/// <summary><c>/debug/config</c> through the admin pipeline: the configuration in effect, every key, no secret.</summary>
public sealed class DebugConfigTests
{
    private static SidecarOptions Read(Dictionary<string, string?> settings)
    {
        var options = SidecarOptionsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), out var errors);
        Assert.Empty(errors);
        return options;
    }

    private static async Task<(int Status, JsonDocument Body)> GetAsync(SidecarOptions current, ResolvConf resolvConf, IPAddress remote)
    {
        var services = new ServiceCollection();
        services.AddSingleton(new SidecarOptions());
        services.AddSingleton<IConfigurationApplier>(new FixedApplier(current));
        services.AddSingleton(resolvConf);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter());
        await using var provider = services.BuildServiceProvider();
        var app = new ApplicationBuilder(provider);
        AdminEndpoints.Map(app);
        var pipeline = app.Build();

        var context = new DefaultHttpContext { RequestServices = provider };
        context.Request.Method = "GET";
        context.Request.Path = "/debug/config";
        context.Connection.RemoteIpAddress = remote;
        using var body = new MemoryStream();
        context.Response.Body = body;
        await pipeline(context);
        await context.Response.CompleteAsync();
        return (context.Response.StatusCode, JsonDocument.Parse(body.ToArray()));
    }

    [Fact]
    public async Task DebugConfig_Defaults_EveryKeyWithItsEffectiveValue()
    {
        var options = Read(new()
        {
            ["Sidecar:Services:web:Host"] = "nginx-headless",
            ["Sidecar:Services:web:PortName"] = "web",
            ["Sidecar:Services:web:Listen"] = "127.0.0.1:18001",
            ["Sidecar:Services:redis:Host"] = "redis-headless.",
            ["Sidecar:Services:redis:Port"] = "6379",
            ["Sidecar:Services:redis:Protocol"] = "Tcp",
            ["Sidecar:Services:redis:Listen"] = "127.0.0.1:16379",
        });
        var resolvConf = new ResolvConf([IPAddress.Parse("10.96.0.10")], ["default.svc.cluster.local", "svc.cluster.local"], ndots: 5);

        var (status, body) = await GetAsync(options, resolvConf, IPAddress.Loopback);

        Assert.Equal(200, status);
        var sidecar = body.RootElement.GetProperty("Sidecar");
        Assert.Equal("0.0.0.0:18090", sidecar.GetProperty("Admin").GetProperty("Listen").GetString());
        Assert.Equal("Loopback", sidecar.GetProperty("Admin").GetProperty("DebugAccess").GetString());
        Assert.Equal("00:00:15", sidecar.GetProperty("DrainTimeout").GetString());
        Assert.Equal("00:00:00", sidecar.GetProperty("DrainDelay").GetString());
        Assert.False(sidecar.GetProperty("AccessLog").GetBoolean());
        Assert.Equal(1024, sidecar.GetProperty("Limits").GetProperty("MaxPendingPerPod").GetInt32());
        Assert.Equal("00:05:00", sidecar.GetProperty("Limits").GetProperty("StreamIdleTimeout").GetString());
        // Absent Dns keys as resolv.conf filled them in.
        var dns = sidecar.GetProperty("Dns");
        Assert.Equal(["10.96.0.10:53"], dns.GetProperty("Servers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, dns.GetProperty("Search").GetArrayLength());
        Assert.Equal(5, dns.GetProperty("Ndots").GetInt32());
        Assert.Equal("00:00:30", dns.GetProperty("MaxRefresh").GetString());

        var services = sidecar.GetProperty("Services");
        Assert.Equal(["redis", "web"], services.EnumerateObject().Select(p => p.Name));
        var web = services.GetProperty("web");
        Assert.Equal("nginx-headless", web.GetProperty("Host").GetString());
        Assert.Equal(JsonValueKind.Null, web.GetProperty("Port").ValueKind);
        Assert.Equal("Http", web.GetProperty("Protocol").GetString());
        Assert.Equal("1.1", web.GetProperty("UpstreamHttpVersion").GetString());
        Assert.Equal("PeakEwma", web.GetProperty("LoadBalancing").GetString());
        Assert.Equal(JsonValueKind.Null, web.GetProperty("Timeouts").GetProperty("PerTry").ValueKind);
        Assert.Equal("00:01:40", web.GetProperty("Timeouts").GetProperty("Request").GetString());
        Assert.Equal([503], web.GetProperty("Retry").GetProperty("OnStatus").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(JsonValueKind.Null, web.GetProperty("Health").GetProperty("Check").ValueKind);
        Assert.Equal("00:01:00", web.GetProperty("Pool").GetProperty("IdleTimeout").GetString());
        Assert.Equal(JsonValueKind.Null, web.GetProperty("Tcp").GetProperty("RemovedPodGrace").ValueKind);
        Assert.Equal("Disabled", web.GetProperty("Tls").GetProperty("Mode").GetString());
        Assert.Equal("Tls12", web.GetProperty("Tls").GetProperty("MinVersion").GetString());
        Assert.False(web.GetProperty("Tls").GetProperty("InsecureSkipVerify").GetBoolean());
        var redis = services.GetProperty("redis");
        Assert.Equal("redis-headless.", redis.GetProperty("Host").GetString());
        Assert.Equal(6379, redis.GetProperty("Port").GetInt32());
        // A Tcp service's default active check.
        Assert.Equal("Connect", redis.GetProperty("Health").GetProperty("Check").GetString());
        Assert.Empty(body.RootElement.GetProperty("files").EnumerateArray());
    }

    [Fact]
    public async Task DebugConfig_ReadsTheConfigurationBackAsItWasGiven()
    {
        var options = Read(new()
        {
            ["Sidecar:Dns:Servers:0"] = "127.0.0.1:5353",
            ["Sidecar:Services:web:Host"] = "nginx-headless",
            ["Sidecar:Services:web:PortName"] = "web",
            ["Sidecar:Services:web:Listen"] = "127.0.0.1:18001",
            ["Sidecar:Services:web:UpstreamHttpVersion"] = "2",
            ["Sidecar:Services:web:Timeouts:PerTry"] = "250ms",
            ["Sidecar:Services:web:Retry:OnStatus"] = "502,503",
        });

        var (_, body) = await GetAsync(options, ResolvConf.Empty, IPAddress.Loopback);

        // What /debug/config shows is itself a configuration that reads back to the same values.
        var json = body.RootElement.GetProperty("Sidecar").GetRawText();
        var again = Read(new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes($$"""{ "Sidecar": {{json}} }""")))
            .Build().AsEnumerable()
            // Tls is read by its own section reader; the other keys must read back with no error.
            .Where(p => !p.Key.Contains(":Tls", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value));
        var web = again.Services.Single();
        Assert.Equal(new Version(2, 0), web.UpstreamHttpVersion);
        Assert.Equal(TimeSpan.FromMilliseconds(250), web.Timeouts.PerTry);
        Assert.Equal([502, 503], web.Retry.OnStatus);
        Assert.Equal("127.0.0.1:5353", again.Dns.Servers!.Single().ToString());
        Assert.Equal(options.Limits.MaxRequestHeadersBytes, again.Limits.MaxRequestHeadersBytes);
    }

    [Fact]
    public async Task DebugConfig_CredentialsAndKeys_OnlyTheirPaths()
    {
        var options = Read(new()
        {
            ["Sidecar:Services:db:Host"] = "mariadb-headless",
            ["Sidecar:Services:db:Port"] = "3306",
            ["Sidecar:Services:db:Protocol"] = "Tcp",
            ["Sidecar:Services:db:Listen"] = "127.0.0.1:13306",
            ["Sidecar:Services:db:Health:Check"] = "MySql",
            ["Sidecar:Services:db:Health:CredentialsFile"] = "/etc/headless-sidecar/db/credentials",
        });
        options.Services[0].Tls.Mode = TlsMode.MutualTls;
        options.Services[0].Tls.KeyFile = "/etc/tls/tls.key";

        var (_, body) = await GetAsync(options, ResolvConf.Empty, IPAddress.Loopback);

        var db = body.RootElement.GetProperty("Sidecar").GetProperty("Services").GetProperty("db");
        Assert.Equal("/etc/headless-sidecar/db/credentials", db.GetProperty("Health").GetProperty("CredentialsFile").GetString());
        Assert.Equal("/etc/tls/tls.key", db.GetProperty("Tls").GetProperty("KeyFile").GetString());
        Assert.Equal("MutualTls", db.GetProperty("Tls").GetProperty("Mode").GetString());
    }

    private sealed class FixedApplier(SidecarOptions current) : IConfigurationApplier
    {
        public SidecarOptions Current => current;

        public Task<ReloadChanges> ApplyAsync(SidecarOptions next, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
