using System.Globalization;
using System.Net;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A Redis pod that speaks only TLS: Debian's redis-server with <c>--port 0 --tls-port</c> on its own loopback
/// address, no persistence, in its own temporary directory. With <see cref="TlsClientVerification.Required"/>
/// (<c>--tls-auth-clients yes</c>) a client without a certificate from <c>ClientCaPath</c> fails the handshake.
/// </summary>
public sealed class RedisTlsPod : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly string _redisServer;
    private readonly DirectoryInfo _directory;
    private readonly IReadOnlyList<string> _extraArguments;
    private ProcessRunner? _process;

    private RedisTlsPod(string name, IPAddress address, int port, string redisServer, DirectoryInfo directory, TlsFiles certificate,
        TlsClientVerification clientVerification, string? clientCaPath, IReadOnlyList<string> extraArguments)
    {
        Name = name;
        Address = address;
        Port = port;
        _redisServer = redisServer;
        _directory = directory;
        Certificate = certificate;
        ClientVerification = clientVerification;
        ClientCaPath = clientCaPath;
        _extraArguments = extraArguments;
    }

    public string Name { get; }

    public IPAddress Address { get; }

    /// <summary>The TLS port (the plaintext port is off).</summary>
    public int Port { get; }

    public IPEndPoint EndPoint => new(Address, Port);

    public TlsFiles Certificate { get; }

    public TlsClientVerification ClientVerification { get; }

    public string? ClientCaPath { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>redis-server's log so far (handshake failures are logged as "Error accepting a client connection").</summary>
    public string Log => _process?.Describe() ?? "(not running)";

    /// <summary>Starts redis-server; port 0 picks a free one. <paramref name="extraArguments"/> are more config directives.</summary>
    public static async Task<RedisTlsPod> StartAsync(
        string name,
        IPAddress address,
        TlsFiles certificate,
        int port = 0,
        TlsClientVerification clientVerification = TlsClientVerification.Required,
        string? clientCaPath = null,
        IReadOnlyList<string>? extraArguments = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        if (clientVerification != TlsClientVerification.Off && clientCaPath is null)
        {
            throw new ArgumentException("Verifying client certificates needs the roots to verify them against.", nameof(clientCaPath));
        }

        var redisServer = RequiredTool.Resolve("redis-server");
        var directory = Directory.CreateTempSubdirectory("hs-redis-tls-");
        var pod = new RedisTlsPod(name, address, port == 0 ? LoopbackAddresses.FreePort(address) : port, redisServer, directory, certificate,
            clientVerification, clientCaPath, extraArguments ?? []);
        try
        {
            await pod.StartAsync(cancellationToken);
            return pod;
        }
        catch
        {
            await pod.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (again) on the same address and port.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"redis pod {Name} is already running.");
        }

        // redis wants a CA file even when it does not verify clients; the server's own root does.
        var clients = ClientVerification switch
        {
            TlsClientVerification.Off => "no",
            TlsClientVerification.Optional => "optional",
            _ => "yes",
        };
        _process = ProcessRunner.Start(_redisServer,
        [
            "--bind", Address.ToString(), "--port", "0", "--tls-port", Port.ToString(CultureInfo.InvariantCulture),
            "--tls-cert-file", Certificate.CertificatePath, "--tls-key-file", Certificate.KeyPath,
            "--tls-ca-cert-file", ClientCaPath ?? Certificate.CaPath, "--tls-auth-clients", clients,
            "--dir", _directory.FullName, "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
            .. _extraArguments,
        ]);
        var process = _process;
        await Poll.UntilAsync(
            async ct => process.HasExited
                ? throw new InvalidOperationException("redis-server exited." + process.Describe())
                : await Poll.AcceptsTcpAsync(EndPoint, ct),
            $"redis-server on {EndPoint} to accept connections",
            StartTimeout,
            process.Describe,
            cancellationToken);
    }

    /// <summary>Kills redis-server, as a pod dies.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test.
        }
    }
}
