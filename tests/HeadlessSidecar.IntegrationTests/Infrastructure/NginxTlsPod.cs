using System.Globalization;
using System.Net;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A pod served by Debian's nginx over TLS: one process (no master, no workers) on its own loopback address, from
/// its own temporary directory. Every path answers 200 with <c>X-Pod</c> and
/// <c>{"pod","sni","client","verify","reused","protocol","http"}</c> JSON, the values being nginx's
/// <c>$ssl_server_name</c>, <c>$ssl_client_s_dn</c>, <c>$ssl_client_verify</c>, <c>$ssl_session_reused</c>,
/// <c>$ssl_protocol</c> and <c>$server_protocol</c> for the request and its connection; <c>/healthz</c> answers <c>ok</c>. The access log
/// (<see cref="ReadAccessLog"/>) records the same per request, so resumed handshakes can be counted.
/// </summary>
public sealed class NginxTlsPod : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly string _nginx;
    private readonly DirectoryInfo _directory;
    private ProcessRunner? _process;

    private NginxTlsPod(string name, IPAddress address, int port, string nginx, DirectoryInfo directory, TlsFiles certificate,
        TlsClientVerification clientVerification, string? clientCaPath, bool http2, int keepAliveRequests, string protocols)
    {
        Name = name;
        Address = address;
        Port = port;
        _nginx = nginx;
        _directory = directory;
        Certificate = certificate;
        ClientVerification = clientVerification;
        ClientCaPath = clientCaPath;
        Http2 = http2;
        KeepAliveRequests = keepAliveRequests;
        Protocols = protocols;
    }

    public string Name { get; }

    public IPAddress Address { get; }

    public int Port { get; }

    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary>The certificate (and key) the pod serves; <see cref="RestartAsync"/> can change it.</summary>
    public TlsFiles Certificate { get; private set; }

    public TlsClientVerification ClientVerification { get; }

    /// <summary>The roots client certificates must chain to (null when <see cref="ClientVerification"/> is off).</summary>
    public string? ClientCaPath { get; }

    /// <summary>True: the listener offers ALPN <c>h2</c> as well as <c>http/1.1</c>.</summary>
    public bool Http2 { get; }

    /// <summary>Requests served on one connection before nginx closes it (1: every request needs a new handshake).</summary>
    public int KeepAliveRequests { get; }

    /// <summary>nginx's <c>ssl_protocols</c>: <c>TLSv1.2 TLSv1.3</c> unless the test narrows it.</summary>
    public string Protocols { get; }

    public bool IsRunning => _process is { HasExited: false };

    public string AccessLogPath => Path.Combine(_directory.FullName, "access.log");

    /// <summary>nginx's error log (stderr) so far, for failure messages.</summary>
    public string Log => _process?.Describe() ?? "(not running)";

    /// <summary>
    /// Starts nginx on <paramref name="address"/> serving <paramref name="certificate"/>; port 0 picks a free one.
    /// Client certificates are checked against <paramref name="clientCaPath"/> (required unless verification is off).
    /// Returns once it accepts TCP connections.
    /// </summary>
    public static async Task<NginxTlsPod> StartAsync(
        string name,
        IPAddress address,
        TlsFiles certificate,
        int port = 0,
        TlsClientVerification clientVerification = TlsClientVerification.Off,
        string? clientCaPath = null,
        bool http2 = false,
        int keepAliveRequests = 100_000,
        string protocols = "TLSv1.2 TLSv1.3",
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepAliveRequests, 1);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        if (clientVerification != TlsClientVerification.Off && clientCaPath is null)
        {
            throw new ArgumentException("Verifying client certificates needs the roots to verify them against.", nameof(clientCaPath));
        }

        var nginx = RequiredTool.Resolve("nginx");
        var directory = Directory.CreateTempSubdirectory("hs-nginx-tls-");
        var pod = new NginxTlsPod(name, address, port == 0 ? LoopbackAddresses.FreePort(address) : port, nginx, directory, certificate,
            clientVerification, clientCaPath, http2, keepAliveRequests, protocols);
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
            throw new InvalidOperationException($"nginx pod {Name} is already running.");
        }

        var configPath = Path.Combine(_directory.FullName, "nginx.conf");
        await File.WriteAllTextAsync(configPath, RenderConfig(), cancellationToken);
        _process = ProcessRunner.Start(_nginx, ["-p", _directory.FullName + "/", "-c", configPath, "-e", "stderr"]);
        var process = _process;
        await Poll.UntilAsync(
            async ct => process.HasExited
                ? throw new InvalidOperationException("nginx exited." + process.Describe())
                : await Poll.AcceptsTcpAsync(EndPoint, ct),
            $"nginx on {EndPoint} to accept connections",
            StartTimeout,
            process.Describe,
            cancellationToken);
    }

    /// <summary>Kills nginx, as a pod dies.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Restarts on the same address and port, serving <paramref name="certificate"/> when given (a pod whose certificate was renewed).</summary>
    public async Task RestartAsync(TlsFiles? certificate = null, CancellationToken cancellationToken = default)
    {
        await StopAsync();
        Certificate = certificate ?? Certificate;
        await StartAsync(cancellationToken);
    }

    /// <summary>The requests logged so far, oldest first.</summary>
    public IReadOnlyList<NginxTlsRequest> ReadAccessLog()
    {
        if (!File.Exists(AccessLogPath))
        {
            return [];
        }

        // nginx may be writing the last line: share the file and keep only whole lines.
        using var stream = new FileStream(AccessLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        var requests = new List<NginxTlsRequest>();
        foreach (var line in text.Split('\n').SkipLast(1))
        {
            var fields = line.Split('\t');
            if (fields.Length == 6)
            {
                requests.Add(new NginxTlsRequest(
                    fields[0] == "r",
                    fields[1],
                    fields[2],
                    fields[3],
                    int.Parse(fields[4], CultureInfo.InvariantCulture),
                    fields[5]));
            }
        }

        return requests;
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

    private string RenderConfig()
    {
        var root = _directory.FullName;
        var verify = ClientVerification switch
        {
            TlsClientVerification.Off => "ssl_verify_client off;",
            TlsClientVerification.Optional => $"ssl_verify_client optional; ssl_verify_depth 3; ssl_client_certificate {ClientCaPath};",
            _ => $"ssl_verify_client on; ssl_verify_depth 3; ssl_client_certificate {ClientCaPath};",
        };
        var body = $$"""{"pod":"{{Name}}","sni":"$ssl_server_name","client":"$ssl_client_s_dn","verify":"$ssl_client_verify","reused":"$ssl_session_reused","protocol":"$ssl_protocol","http":"$server_protocol"}\n""";

        // One process (master_process off) so that killing it is a pod's death, with nothing left behind. The
        // session cache makes resumption by session ID work as well as by ticket; nginx 1.22 leaves TLS 1.3 out
        // of its default protocols, so both are named.
        return $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{root}}/nginx.pid;
            error_log stderr notice;
            events { worker_connections 4096; }
            http {
                log_format tls escape=json '$ssl_session_reused\t$ssl_protocol\t$ssl_server_name\t$ssl_client_s_dn\t$status\t$request_uri';
                access_log {{root}}/access.log tls;
                client_body_temp_path {{root}}/client_body;
                proxy_temp_path {{root}}/proxy;
                fastcgi_temp_path {{root}}/fastcgi;
                uwsgi_temp_path {{root}}/uwsgi;
                scgi_temp_path {{root}}/scgi;
                keepalive_requests {{KeepAliveRequests.ToString(CultureInfo.InvariantCulture)}};
                ssl_session_cache shared:tls_{{Port}}:4m;
                ssl_session_timeout 10m;
                server {
                    listen {{Address}}:{{Port.ToString(CultureInfo.InvariantCulture)}} ssl{{(Http2 ? " http2" : string.Empty)}};
                    server_name _;
                    ssl_protocols {{Protocols}};
                    ssl_certificate {{Certificate.CertificatePath}};
                    ssl_certificate_key {{Certificate.KeyPath}};
                    {{verify}}
                    default_type application/json;
                    location = /healthz {
                        add_header X-Pod {{Name}} always;
                        return 200 'ok\n';
                    }
                    location / {
                        add_header X-Pod {{Name}} always;
                        return 200 '{{body}}';
                    }
                }
            }

            """;
    }
}
