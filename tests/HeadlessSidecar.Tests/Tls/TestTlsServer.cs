using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace HeadlessSidecar.Tests.Tls;

/// <summary>
/// A TLS pod on loopback made of .NET's own server side: it records the SNI name and the client certificate of
/// each handshake, then echoes what it reads (or, with <see cref="Stall"/>, never answers the handshake).
/// </summary>
internal sealed class TestTlsServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Task> _connections = [];

    public TestTlsServer(X509Certificate2 certificate, SslProtocols protocols = SslProtocols.None, bool requireClientCertificate = false,
        Func<X509Certificate2?, bool>? acceptClient = null, List<SslApplicationProtocol>? alpn = null, bool stall = false)
    {
        Certificate = certificate;
        Protocols = protocols;
        RequireClientCertificate = requireClientCertificate;
        AcceptClient = acceptClient ?? (_ => true);
        Alpn = alpn;
        Stall = stall;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public X509Certificate2 Certificate { get; }
    public SslProtocols Protocols { get; }
    public bool RequireClientCertificate { get; }
    public Func<X509Certificate2?, bool> AcceptClient { get; }
    public List<SslApplicationProtocol>? Alpn { get; }
    public bool Stall { get; }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Each completed handshake: the SNI name received and the client certificate's subject (or null).</summary>
    public ConcurrentQueue<(string? ServerName, string? ClientSubject)> Handshakes { get; } = new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            lock (_connections)
            {
                _connections.Add(ServeAsync(socket));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            if (Stall)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
            }
            string? serverName = null;
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateSelectionCallback = (_, name) =>
                {
                    serverName = name;
                    return Certificate;
                },
                EnabledSslProtocols = Protocols,
                ClientCertificateRequired = RequireClientCertificate,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    !RequireClientCertificate || AcceptClient(certificate as X509Certificate2),
                ApplicationProtocols = Alpn,
            }, _stop.Token);
            Handshakes.Enqueue((serverName, (ssl.RemoteCertificate as X509Certificate2)?.Subject));
            var buffer = new byte[4096];
            int read;
            while ((read = await ssl.ReadAsync(buffer, _stop.Token)) > 0)
            {
                await ssl.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }
        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}
