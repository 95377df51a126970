using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Connections;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.FileWatching;
using HeadlessSidecar.Tests.Certificates;
using HeadlessSidecar.Tests.FileWatching;
using HeadlessSidecar.Tests.Tls;
using HeadlessSidecar.Tls;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Connections;

/// <summary>The pool with <c>Tls</c> on: connections handed over authenticated, and retired gradually after a rotation.</summary>
public sealed class PodConnectionPoolTlsTests : IAsyncDisposable
{
    private const string PodName = "web-0.web.default.svc.cluster.local";
    private static readonly X509Certificate2 Authority = TestCertificates.CreateAuthority("pool CA");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly MountedVolume _volume;
    private readonly TestTlsServer _server = new(TlsTestCertificates.CreateLeaf(Authority, PodName).Certificate, requireClientCertificate: true);
    private readonly TlsConnector _connector;

    public PodConnectionPoolTlsTests()
    {
        _volume = MountedVolume.Create(Files(TlsTestCertificates.CreateLeaf(Authority, "sidecar-1", client: true)));
        var options = new TlsOptions
        {
            Mode = TlsMode.MutualTls,
            CaFile = _volume.PathOf("ca.crt"),
            CertFile = _volume.PathOf("tls.crt"),
            KeyFile = _volume.PathOf("tls.key"),
        };
        var material = new TlsMaterialSource("web", options, new FileWatcherOptions(), _time, null, NullLoggerFactory.Instance);
        _connector = new TlsConnector("web", "web.default.svc.cluster.local", options, material, null, NullLogger.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        _connector.Dispose();
        await _server.DisposeAsync();
        _volume.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Files(TestCertificate client) =>
        new() { ["tls.crt"] = client.CertificatePem, ["tls.key"] = client.KeyPem, ["ca.crt"] = Authority.ExportCertificatePem() };

    private PodConnectionPool CreatePool(Action<ServiceOptions>? configure = null)
    {
        var options = new ServiceOptions { Name = "web", Host = "web", Listen = new IPEndPoint(IPAddress.Loopback, 1) };
        options.Timeouts.Connect = TimeSpan.FromSeconds(5);
        configure?.Invoke(options);
        var pod = new PodEndpoint("web-0", 0, IPAddress.Loopback, _server.EndPoint.Port, PodName);
        return new PodConnectionPool(pod, options, NullLogger.Instance, _time, _connector);
    }

    private void Rotate(string subject)
    {
        _volume.Update(Files(TlsTestCertificates.CreateLeaf(Authority, subject, client: true)));
        _time.Advance(FileWatcherOptions.DefaultPollInterval);
        _time.Advance(FileWatcherOptions.DefaultPollInterval);
    }

    private static async Task EchoAsync(Http1Connection connection)
    {
        await connection.Stream.WriteAsync("ping"u8.ToArray(), Ct);
        var buffer = new byte[4];
        await connection.Stream.ReadExactlyAsync(buffer, Ct);
        Assert.Equal("ping"u8.ToArray(), buffer);
    }

    [Fact]
    public async Task RentHttp1Async_TlsService_AuthenticatedWithPodNameAndHttp11()
    {
        using var pool = CreatePool();
        var connection = await pool.RentHttp1Async(allowIdle: true, Ct);
        await EchoAsync(connection);
        var ssl = Assert.IsAssignableFrom<SslStream>(connection.Stream);
        Assert.Equal(1, connection.Generation);
        var handshake = Assert.Single(_server.Handshakes);
        Assert.Equal(PodName, handshake.ServerName);
        Assert.Equal("CN=sidecar-1", handshake.ClientSubject);
        Assert.True(ssl.IsMutuallyAuthenticated);
        pool.ReturnHttp1(connection);
        Assert.Equal(1, pool.OpenConnections);
    }

    [Fact]
    public async Task ReturnHttp1_AfterRotation_OldConnectionClosedAndNextMadeWithNewCertificate()
    {
        using var pool = CreatePool();
        var old = await pool.RentHttp1Async(allowIdle: true, Ct);
        await EchoAsync(old);

        Rotate("sidecar-2");
        Assert.Equal(2, _connector.Generation);
        pool.ReturnHttp1(old);
        Assert.Equal(0, pool.OpenConnections);

        var next = await pool.RentHttp1Async(allowIdle: true, Ct);
        await EchoAsync(next);
        Assert.Equal(2, next.Generation);
        Assert.Equal("CN=sidecar-2", _server.Handshakes.Last().ClientSubject);
        pool.ReturnHttp1(next);
    }

    [Fact]
    public async Task ReturnHttp1_ManyOldConnectionsInOneSecond_AtMostRetirePerSecondClosed()
    {
        using var pool = CreatePool();
        var count = PodConnectionPool.RetirePerSecond + 5;
        var connections = new List<Http1Connection>();
        for (var i = 0; i < count; i++)
        {
            connections.Add(await pool.RentHttp1Async(allowIdle: false, Ct));
        }
        Rotate("sidecar-2");
        foreach (var connection in connections)
        {
            pool.ReturnHttp1(connection);
        }
        // The rest stay pooled and keep serving; the next second retires more.
        Assert.Equal(5, pool.OpenConnections);
        _time.Advance(TimeSpan.FromSeconds(1));
        var again = await pool.RentHttp1Async(allowIdle: true, Ct, checkIdleAlive: false);
        Assert.Equal(1, again.Generation);
        pool.ReturnHttp1(again);
        Assert.Equal(4, pool.OpenConnections);
    }

    [Fact]
    public async Task WarmAsync_TlsService_HandshakeDoneInAdvanceAndUsedFirst()
    {
        using var pool = CreatePool(o => o.Pool.WarmConnections = 2);
        await pool.WarmAsync();
        Assert.Equal(2, pool.OpenConnections);
        var connection = await pool.RentHttp1Async(allowIdle: true, Ct);
        await EchoAsync(connection);
        Assert.Equal(1, pool.WarmConnectionsUsed);
        Assert.Equal(0, pool.ConnectsOnRequestPath);
        pool.ReturnHttp1(connection);
    }

    [Fact]
    public async Task Invoker_AfterRotation_NewHandlerForNewRequests()
    {
        using var pool = CreatePool();
        var first = pool.Invoker;
        Assert.Same(first, pool.Invoker);
        Rotate("sidecar-2");
        Assert.NotSame(first, pool.Invoker);
        await Task.CompletedTask;
    }
}
