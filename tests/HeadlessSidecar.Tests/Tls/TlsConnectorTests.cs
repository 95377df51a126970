using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.FileWatching;
using HeadlessSidecar.Tests.Certificates;
using HeadlessSidecar.Tls;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeadlessSidecar.Tests.Tls;

public sealed class TlsConnectorTests : IDisposable
{
    private const string PodName = "web-0.nginx.default.svc.cluster.local";
    private static readonly X509Certificate2 Authority = TestCertificates.CreateAuthority("tls test CA");
    private static readonly X509Certificate2 OtherAuthority = TestCertificates.CreateAuthority("another CA");

    private readonly string _directory = Directory.CreateTempSubdirectory("headless-sidecar-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private TlsConnector Connector(TlsOptions? options = null, TestCertificate? client = null)
    {
        options ??= new TlsOptions { Mode = TlsMode.Tls };
        options.CaFile ??= Write("ca.crt", Authority.ExportCertificatePem());
        if (client is not null)
        {
            options.Mode = TlsMode.MutualTls;
            options.CertFile = Write("tls.crt", client.CertificatePem);
            options.KeyFile = Write("tls.key", client.KeyPem);
        }
        var material = new TlsMaterialSource("web", options, new FileWatcherOptions(), TimeProvider.System, null, NullLoggerFactory.Instance);
        return new TlsConnector("web", "nginx.default.svc.cluster.local", options, material, null, NullLogger.Instance);
    }

    private static PodEndpoint Pod(IPEndPoint endPoint, string hostName = PodName) =>
        new("web-0", 0, endPoint.Address, endPoint.Port, hostName);

    private static async Task<TlsStream> ConnectAsync(TlsConnector connector, TestTlsServer server, TlsAlpn alpn = TlsAlpn.Http11,
        string hostName = PodName, TimeSpan? timeout = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        return await connector.AuthenticateAsync(new NetworkStream(socket, ownsSocket: true), Pod(server.EndPoint, hostName), alpn,
            timeout ?? TimeSpan.FromSeconds(5), CancellationToken.None);
    }

    private static async Task<TlsHandshakeException> FailsAsync(TlsConnector connector, TestTlsServer server, TlsAlpn alpn = TlsAlpn.Http11,
        TimeSpan? timeout = null) =>
        await Assert.ThrowsAsync<TlsHandshakeException>(async () => await ConnectAsync(connector, server, alpn, timeout: timeout));

    private static async Task EchoAsync(SslStream stream)
    {
        await stream.WriteAsync("ping"u8.ToArray());
        var buffer = new byte[4];
        await stream.ReadExactlyAsync(buffer);
        Assert.Equal("ping"u8.ToArray(), buffer);
    }

    [Fact]
    public async Task AuthenticateAsync_PodCertificate_SendsPodNameAsSniAndWorks()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, PodName).Certificate, alpn: [SslApplicationProtocol.Http11]);
        using var connector = Connector();
        var tls = await ConnectAsync(connector, server);
        await using var stream = tls.Stream;
        await EchoAsync(stream);
        Assert.Equal(1, tls.Generation);
        Assert.Equal(PodName, Assert.Single(server.Handshakes).ServerName);
        Assert.Equal(SslApplicationProtocol.Http11, stream.NegotiatedApplicationProtocol);
    }

    [Fact]
    public async Task AuthenticateAsync_WildcardCertificate_Accepted()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, "wildcard", dnsNames: "*.nginx.default.svc.cluster.local").Certificate);
        using var connector = Connector();
        await using var stream = (await ConnectAsync(connector, server)).Stream;
        await EchoAsync(stream);
    }

    [Fact]
    public async Task AuthenticateAsync_WildcardOneLabelTooDeep_NameMismatch()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, "wildcard", dnsNames: "*.default.svc.cluster.local").Certificate);
        using var connector = Connector();
        Assert.Equal(TlsFailureCause.NameMismatch, (await FailsAsync(connector, server)).Cause);
    }

    [Fact]
    public async Task AuthenticateAsync_OtherPodsCertificate_NameMismatchNamingTheHost()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, "web-1.nginx.default.svc.cluster.local").Certificate);
        using var connector = Connector();
        var failure = await FailsAsync(connector, server);
        Assert.Equal(TlsFailureCause.NameMismatch, failure.Cause);
        Assert.Contains(PodName, failure.Message, StringComparison.Ordinal);
        Assert.StartsWith("TLS handshake failed: name mismatch: ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_ServerNameSet_SendsAndVerifiesIt()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, "nginx.default.svc.cluster.local").Certificate);
        using var connector = Connector(new TlsOptions { Mode = TlsMode.Tls, ServerName = "nginx.default.svc.cluster.local" });
        await using var stream = (await ConnectAsync(connector, server)).Stream;
        await EchoAsync(stream);
        Assert.Equal("nginx.default.svc.cluster.local", Assert.Single(server.Handshakes).ServerName);
    }

    [Fact]
    public async Task AuthenticateAsync_OtherCa_Untrusted()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(OtherAuthority, PodName).Certificate);
        using var connector = Connector();
        Assert.Equal(TlsFailureCause.Untrusted, (await FailsAsync(connector, server)).Cause);
    }

    [Fact]
    public async Task AuthenticateAsync_OtherCaWithInsecureSkipVerify_Accepted()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(OtherAuthority, "elsewhere").Certificate);
        using var connector = Connector(new TlsOptions { Mode = TlsMode.Tls, InsecureSkipVerify = true });
        await using var stream = (await ConnectAsync(connector, server)).Stream;
        await EchoAsync(stream);
    }

    [Fact]
    public async Task AuthenticateAsync_ExpiredPodCertificate_Expired()
    {
        var now = DateTimeOffset.UtcNow;
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, PodName, notBefore: now.AddDays(-3), notAfter: now.AddDays(-1)).Certificate);
        using var connector = Connector();
        Assert.Equal(TlsFailureCause.Expired, (await FailsAsync(connector, server)).Cause);
    }

    [Fact]
    public async Task AuthenticateAsync_MutualTls_PresentsClientCertificate()
    {
        var client = TlsTestCertificates.CreateLeaf(Authority, "headless-sidecar", client: true);
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, PodName).Certificate, requireClientCertificate: true);
        using var connector = Connector(client: client);
        await using var stream = (await ConnectAsync(connector, server)).Stream;
        await EchoAsync(stream);
        Assert.Equal("CN=headless-sidecar", Assert.Single(server.Handshakes).ClientSubject);
    }

    private Task<OpenSslServer> StartOpenSslAsync(string version)
    {
        var leaf = TlsTestCertificates.CreateLeaf(Authority, PodName);
        return OpenSslServer.StartAsync(Write("pod.crt", leaf.CertificatePem), Write("pod.key", leaf.KeyPem),
            Write("client-ca.crt", Authority.ExportCertificatePem()), version);
    }

    private async Task<TlsStream> ConnectAsync(TlsConnector connector, OpenSslServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);
        return await connector.AuthenticateAsync(new NetworkStream(socket, ownsSocket: true), Pod(server.EndPoint), TlsAlpn.None,
            TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AuthenticateAsync_ClientCertificateOfAnotherCaOverTls12_ClientCertificateRejected()
    {
        await using var server = await StartOpenSslAsync("-tls1_2");
        using var connector = Connector(client: TlsTestCertificates.CreateLeaf(OtherAuthority, "headless-sidecar", client: true));
        var failure = await Assert.ThrowsAsync<TlsHandshakeException>(async () => await ConnectAsync(connector, server));
        Assert.Equal(TlsFailureCause.ClientCertificateRejected, failure.Cause);
        Assert.Contains("unknown_ca", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_NoClientCertificateOverTls12_ProtocolHintingAtClientCertificate()
    {
        // OpenSSL's TLS 1.2 server answers a missing client certificate with handshake_failure, which says no more.
        await using var server = await StartOpenSslAsync("-tls1_2");
        using var connector = Connector();
        var failure = await Assert.ThrowsAsync<TlsHandshakeException>(async () => await ConnectAsync(connector, server));
        Assert.Equal(TlsFailureCause.Protocol, failure.Cause);
        Assert.Contains("requires a client certificate", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_NoClientCertificateOverTls13_AlertOnFirstReadSaysCertificateRequired()
    {
        await using var server = await StartOpenSslAsync("-tls1_3");
        using var connector = Connector();
        await using var stream = (await ConnectAsync(connector, server)).Stream;
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await EchoAsync(stream));
        var failure = HeadlessSidecar.Forwarding.AttemptFailure.ClassifyTls(error);
        Assert.NotNull(failure);
        Assert.Contains("client certificate rejected: the pod requires a client certificate", failure.Value.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_ClientCertificateOfAnotherCaOverTls13_AlertOnFirstReadIsClassified()
    {
        await using var server = await StartOpenSslAsync("-tls1_3");
        using var connector = Connector(client: TlsTestCertificates.CreateLeaf(OtherAuthority, "headless-sidecar", client: true));
        // TLS 1.3: the client's side of the handshake ends first; the pod's refusal comes as an alert on the first read.
        await using var stream = (await ConnectAsync(connector, server)).Stream;
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await EchoAsync(stream));
        var failure = HeadlessSidecar.Forwarding.AttemptFailure.ClassifyTls(error);
        Assert.NotNull(failure);
        Assert.Equal(HeadlessSidecar.Forwarding.AttemptFailure.TlsError, failure.Value.Reason);
        Assert.Contains("client certificate rejected", failure.Value.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_Http2AskedPodOffersOnlyHttp11_NoH2()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, PodName).Certificate, alpn: [SslApplicationProtocol.Http11]);
        using var connector = Connector();
        Assert.Equal(TlsFailureCause.NoH2, (await FailsAsync(connector, server, TlsAlpn.Http2)).Cause);
    }

    [Fact]
    public async Task AuthenticateAsync_Http2AskedPodSpeaksH2_NegotiatesH2()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, PodName).Certificate,
            alpn: [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]);
        using var connector = Connector();
        await using var stream = (await ConnectAsync(connector, server, TlsAlpn.Http2)).Stream;
        Assert.Equal(SslApplicationProtocol.Http2, stream.NegotiatedApplicationProtocol);
    }

    [Fact]
    public async Task AuthenticateAsync_PodNeverAnswers_TimeoutWithinConnectTimeout()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, PodName).Certificate, stall: true);
        using var connector = Connector();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var failure = await FailsAsync(connector, server, timeout: TimeSpan.FromMilliseconds(300));
        Assert.Equal(TlsFailureCause.Timeout, failure.Cause);
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AuthenticateAsync_MinVersionTls13AgainstTls12Pod_Protocol()
    {
        await using var server = new TestTlsServer(TlsTestCertificates.CreateLeaf(Authority, PodName).Certificate, SslProtocols.Tls12);
        using var connector = Connector(new TlsOptions { Mode = TlsMode.Tls, MinVersion = SslProtocols.Tls13 });
        Assert.Equal(TlsFailureCause.Protocol, (await FailsAsync(connector, server)).Cause);
    }

    [Fact]
    public async Task AuthenticateAsync_PlaintextPod_Protocol()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
            await socket.SendAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
            socket.Shutdown(SocketShutdown.Send);
        }, TestContext.Current.CancellationToken);
        using var connector = Connector();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync((IPEndPoint)listener.LocalEndpoint, TestContext.Current.CancellationToken);
        var failure = await Assert.ThrowsAsync<TlsHandshakeException>(async () => await connector.AuthenticateAsync(
            new NetworkStream(socket, ownsSocket: true), Pod((IPEndPoint)listener.LocalEndpoint), TlsAlpn.Http11, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(TlsFailureCause.Protocol, failure.Cause);
        await accept;
    }
}
