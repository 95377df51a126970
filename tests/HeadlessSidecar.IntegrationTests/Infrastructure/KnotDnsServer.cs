using System.Globalization;
using System.Net;
using System.Text;
using DnsClient;
using DnsClient.Protocol;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A real authoritative DNS server (Knot, <c>knotd</c> in the foreground) serving a <see cref="ClusterZone"/>
/// over UDP and TCP on its own loopback address and port, from its own temporary directory.
/// </summary>
public sealed class KnotDnsServer : IAsyncDisposable
{
    // Knot's default udp-max-payload is 1232 bytes, which would cut every EDNS answer above it whatever
    // the client offers. CoreDNS honours the client's advertised buffer, so the cap is raised to 4096
    // (what DnsClient and most stub resolvers advertise): the client's limit decides, and a larger answer
    // (e.g. 200 SRV records, ~5.6 KB) comes back with TC set and an empty answer section over UDP.
    private const int UdpMaxPayload = 4096;

    private const int StartAttempts = 3;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(10);

    private readonly ClusterZone _zone;
    private readonly DirectoryInfo _directory;
    private readonly string _knotd;
    private readonly string _knotc;
    private readonly StringBuilder _pastErrors = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ProcessRunner? _process;
    private int _disposed;

    private KnotDnsServer(ClusterZone zone, IPEndPoint endPoint, DirectoryInfo directory, string knotd, string knotc)
    {
        _zone = zone;
        EndPoint = endPoint;
        _directory = directory;
        _knotd = knotd;
        _knotc = knotc;
    }

    /// <summary>Where the server answers, over both UDP and TCP.</summary>
    public IPEndPoint EndPoint { get; }

    public ClusterZone Zone => _zone;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The temporary directory holding the config, zone files and control socket.</summary>
    public string DirectoryPath => _directory.FullName;

    private string ControlSocket => Path.Combine(_directory.FullName, "knot.sock");

    private string ConfigPath => Path.Combine(_directory.FullName, "knot.conf");

    /// <summary>knotd's log (stderr) of every run so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_pastErrors)
            {
                return _pastErrors + (_process?.StandardError ?? string.Empty);
            }
        }
    }

    public static async Task<KnotDnsServer> StartAsync(ClusterZone zone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var knotd = RequiredTool.Resolve("knotd");
        var knotc = RequiredTool.Resolve("knotc");

        for (var attempt = 1; ; attempt++)
        {
            var address = LoopbackAddresses.Next();
            var endPoint = new IPEndPoint(address, LoopbackAddresses.FreeDnsPort(address));
            var server = new KnotDnsServer(zone, endPoint, Directory.CreateTempSubdirectory("hs-knot-"), knotd, knotc);
            try
            {
                await File.WriteAllTextAsync(server.ConfigPath, server.RenderConfig(), cancellationToken);
                await server.StartProcessAsync(cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts && server.Log.Contains("address already in use", StringComparison.Ordinal))
            {
                // Another process took the free port between our check and knotd's bind: try a fresh one.
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Re-renders the zone from the same <see cref="ClusterZone"/>, reloads it and waits until queries see the new serial.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!IsRunning)
            {
                throw new InvalidOperationException("The DNS server is stopped; StartAgainAsync serves the current zone.");
            }

            var serial = await WriteZoneFilesAsync(cancellationToken);
            var (exitCode, output) = await ProcessRunner.RunAsync(
                _knotc,
                ["-s", ControlSocket, "-t", "10", "-b", "zone-reload"],
                timeout: ReloadTimeout,
                cancellationToken: cancellationToken);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"knotc zone-reload failed ({exitCode}): {output}{Describe()}");
            }

            await WaitForSerialAsync(serial, ReloadTimeout, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Knot keeps running but answers SERVFAIL for every name under <paramref name="origin"/> (default: the cluster
    /// domain): the zone is purged from it, as a server that lost its data or its upstream does.
    /// <see cref="ServeAgainAsync"/> ends it.
    /// </summary>
    public async Task ServFailAsync(string? origin = null, CancellationToken cancellationToken = default)
    {
        origin ??= _zone.ClusterDomain;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await ControlAsync(["-f", "zone-purge", origin + "."], cancellationToken);
            var client = CreateClient(timeout: TimeSpan.FromMilliseconds(500));
            await Poll.UntilAsync(
                async ct => (await client.QueryAsync(origin, QueryType.SOA, cancellationToken: ct)).Header.ResponseCode == DnsHeaderResponseCode.ServerFailure,
                $"SERVFAIL for {origin} from knotd on {EndPoint}",
                ReloadTimeout,
                Describe,
                cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends <see cref="ServFailAsync"/>: the zones are written again and loaded; returns once they answer.</summary>
    public async Task ServeAgainAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var serial = await WriteZoneFilesAsync(cancellationToken);
            // A purged zone is loaded again by a server reload; zone-reload alone refuses it.
            await ControlAsync(["reload"], cancellationToken);
            await ControlAsync(["-b", "zone-reload"], cancellationToken);
            await WaitForSerialAsync(serial, ReloadTimeout, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ControlAsync(string[] command, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await ProcessRunner.RunAsync(_knotc, ["-s", ControlSocket, "-t", "10", .. command],
            timeout: ReloadTimeout, cancellationToken: cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"knotc {string.Join(' ', command)} failed ({exitCode}): {output}{Describe()}");
        }
    }

    /// <summary>Simulates a DNS outage: knotd is killed and nothing answers on <see cref="EndPoint"/>.</summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await StopProcessAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends an outage: knotd starts again on the same address and port, serving the zone as it is now.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (IsRunning)
            {
                throw new InvalidOperationException("The DNS server is already running.");
            }

            await StartProcessAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A DnsClient resolver aimed at this server: no cache, no retries, a 2 s timeout unless given.</summary>
    public LookupClient CreateClient(bool useTcpFallback = true, bool useTcpOnly = false, TimeSpan? timeout = null) =>
        new(new LookupClientOptions(EndPoint)
        {
            UseCache = false,
            UseTcpFallback = useTcpFallback,
            UseTcpOnly = useTcpOnly,
            Timeout = timeout ?? TimeSpan.FromSeconds(2),
            Retries = 0,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
        });

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopProcessAsync();
        _gate.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test.
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        // A killed knotd leaves its pid file and control socket behind; a new one refuses a live-looking pid file.
        File.Delete(Path.Combine(_directory.FullName, "knot.pid"));
        File.Delete(ControlSocket);

        var serial = await WriteZoneFilesAsync(cancellationToken);
        _process = ProcessRunner.Start(_knotd, ["-c", ConfigPath], _directory.FullName);

        // knotd binds UDP and TCP together. A refused TCP connect is seen at once, where a UDP query sent
        // before the bind would only time out.
        var process = _process;
        await Poll.UntilAsync(
            async ct => process.HasExited
                ? throw new InvalidOperationException("knotd exited." + Describe())
                : await Poll.AcceptsTcpAsync(EndPoint, ct),
            $"knotd to listen on {EndPoint}",
            StartTimeout,
            Describe,
            cancellationToken);
        await WaitForSerialAsync(serial, StartTimeout, cancellationToken);

        // Reloads go through the control socket; make sure it is there before anyone reloads.
        await Poll.UntilAsync(
            _ => Task.FromResult(File.Exists(ControlSocket)),
            "knotd's control socket",
            StartTimeout,
            Describe,
            cancellationToken);
    }

    private async Task StopProcessAsync()
    {
        if (_process is null)
        {
            return;
        }

        await _process.DisposeAsync();
        lock (_pastErrors)
        {
            _pastErrors.Append(_process.StandardError).AppendLine("--- knotd killed ---");
        }

        _process = null;
    }

    private async Task<uint> WriteZoneFilesAsync(CancellationToken cancellationToken)
    {
        var files = _zone.Render(EndPoint.Address);
        foreach (var file in files)
        {
            // Written aside and moved in, so knotd never reads half a file.
            var path = Path.Combine(_directory.FullName, file.FileName);
            var temporary = path + ".tmp";
            await File.WriteAllTextAsync(temporary, file.Text, cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }

        return _zone.Serial;
    }

    /// <summary>Waits until every zone answers its SOA with <paramref name="serial"/>, over UDP and TCP.</summary>
    private async Task WaitForSerialAsync(uint serial, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var probeTimeout = TimeSpan.FromMilliseconds(500);
        var udp = CreateClient(useTcpFallback: false, timeout: probeTimeout);
        var tcp = CreateClient(useTcpOnly: true, timeout: probeTimeout);
        await Poll.UntilAsync(
            async ct =>
            {
                if (_process is null || _process.HasExited)
                {
                    throw new InvalidOperationException("knotd exited." + Describe());
                }

                foreach (var origin in _zone.Origins)
                {
                    if (await SoaSerialAsync(udp, origin, ct) != serial || await SoaSerialAsync(tcp, origin, ct) != serial)
                    {
                        return false;
                    }
                }

                return true;
            },
            $"serial {serial} from knotd on {EndPoint}",
            timeout,
            Describe,
            cancellationToken);
    }

    private static async Task<uint?> SoaSerialAsync(LookupClient client, string origin, CancellationToken cancellationToken)
    {
        var response = await client.QueryAsync(origin, QueryType.SOA, cancellationToken: cancellationToken);
        return response.Answers.SoaRecords().FirstOrDefault()?.Serial;
    }

    private string Describe() => $"{Environment.NewLine}knotd on {EndPoint}, directory {_directory.FullName}:{Environment.NewLine}{Log}";

    private string RenderConfig()
    {
        var directory = _directory.FullName;
        var config = new StringBuilder();
        config.Append(CultureInfo.InvariantCulture, $"""
            # knotd for one integration-test fixture: unprivileged-friendly, everything under {directory}.
            server:
                rundir: "{directory}"
                pidfile: "{directory}/knot.pid"
                listen: {EndPoint.Address}@{EndPoint.Port}
                udp-workers: 1
                tcp-workers: 1
                background-workers: 1
                udp-max-payload: {UdpMaxPayload}
                # Rotate RRsets like CoreDNS's loadbalance plugin, so nothing relies on record order.
                answer-rotation: on

            database:
                storage: "{directory}"

            control:
                listen: "{directory}/knot.sock"

            log:
              - target: stderr
                any: info

            template:
              - id: default
                storage: "{directory}"
                # Zone files are the only source: never write them back, never keep a journal.
                zonefile-sync: -1
                zonefile-load: whole
                journal-content: none

            zone:

            """);
        foreach (var origin in _zone.Origins)
        {
            config.Append(CultureInfo.InvariantCulture, $"  - domain: {origin}.\n    file: \"{origin}.zone\"\n");
        }

        return config.ToString();
    }
}
