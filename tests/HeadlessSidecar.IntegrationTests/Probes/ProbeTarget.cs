using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Health.Probes;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Probes;

/// <summary>
/// A real server (redis-server, slapd) run in the foreground on its own loopback address and port, with its
/// own temporary directory, for the protocol probes to talk to. A missing program fails the test.
/// </summary>
internal sealed class ProbeTarget : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly ProcessRunner _process;
    private readonly DirectoryInfo _directory;

    private ProbeTarget(ProcessRunner process, DirectoryInfo directory, IPEndPoint endPoint)
    {
        _process = process;
        _directory = directory;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public string Log => _process.Describe();

    /// <summary>The server's temporary directory (MariaDB's <c>mysqld.sock</c>, reachable as the OS user with all privileges, lives here).</summary>
    public string WorkingDirectory => _directory.FullName;

    /// <summary>Starts redis-server with no persistence; <paramref name="arguments"/> are more config directives.</summary>
    public static Task<ProbeTarget> StartRedisAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        StartRedisAsync(arguments, null, 0, cancellationToken);

    /// <summary>As above, on a given address and port (pods of one headless Service share the port).</summary>
    public static Task<ProbeTarget> StartRedisAsync(IEnumerable<string> arguments, IPAddress? address, int port, CancellationToken cancellationToken) =>
        StartAsync("redis-server", "hs-redis-", (address, port, directory) =>
        [
            "--bind", address.ToString(), "--port", port.ToString(CultureInfo.InvariantCulture), "--dir", directory,
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no", .. arguments,
        ], null, cancellationToken, address, port);

    /// <summary>Starts slapd with an empty mdb database for <c>dc=example,dc=org</c>; the rootDSE is readable anonymously.</summary>
    public static Task<ProbeTarget> StartSlapdAsync(CancellationToken cancellationToken) =>
        StartAsync("slapd", "hs-slapd-", (address, port, directory) =>
        [
            "-d", "0", "-h", $"ldap://{address}:{port.ToString(CultureInfo.InvariantCulture)}/", "-f", Path.Combine(directory, "slapd.conf"),
        ], async (directory, _, _, ct) =>
        {
            Directory.CreateDirectory(Path.Combine(directory, "db"));
            await File.WriteAllTextAsync(Path.Combine(directory, "slapd.conf"), $"""
                include /etc/ldap/schema/core.schema
                pidfile {directory}/slapd.pid
                modulepath /usr/lib/ldap
                moduleload back_mdb
                database mdb
                suffix "dc=example,dc=org"
                directory {directory}/db
                """, ct);
        }, cancellationToken);

    /// <summary>
    /// Starts MariaDB on a fresh data directory with the user <c>probe</c> / <paramref name="probePassword"/>
    /// (mysql_native_password); <paramref name="readOnly"/> makes it answer <c>@@read_only = 1</c> like a replica.
    /// </summary>
    public static Task<ProbeTarget> StartMariaDbAsync(string probePassword, bool readOnly, CancellationToken cancellationToken) =>
        StartMariaDbAsync(probePassword, readOnly, null, 0, cancellationToken);

    /// <summary>As above, on a given address and port (pods of one headless Service share the port).</summary>
    public static Task<ProbeTarget> StartMariaDbAsync(string probePassword, bool readOnly, IPAddress? address, int port, CancellationToken cancellationToken)
    {
        var installDb = RequiredTool.Resolve("mariadb-install-db");
        var user = Environment.UserName;
        return StartAsync("mariadbd", "hs-mariadb-", (address, port, directory) =>
        [
            "--no-defaults", $"--user={user}", $"--datadir={directory}/data", $"--socket={directory}/mysqld.sock",
            $"--pid-file={directory}/mysqld.pid", $"--port={port.ToString(CultureInfo.InvariantCulture)}", $"--bind-address={address}",
            "--skip-name-resolve", "--skip-log-bin", $"--init-file={directory}/init.sql", $"--read-only={(readOnly ? 1 : 0)}",
        ], async (directory, _, _, ct) =>
        {
            var (exitCode, output) = await ProcessRunner.RunAsync(
                installDb,
                ["--no-defaults", $"--user={user}", $"--datadir={directory}/data", "--auth-root-authentication-method=socket", "--skip-test-db"],
                timeout: TimeSpan.FromSeconds(60),
                cancellationToken: ct);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"mariadb-install-db failed ({exitCode}): {output}");
            }

            await File.WriteAllTextAsync(
                Path.Combine(directory, "init.sql"),
                $"CREATE USER IF NOT EXISTS 'probe'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('{probePassword}');\n",
                ct);
        }, cancellationToken, address, port);
    }

    /// <summary>
    /// Starts ZooKeeper (Debian's <c>zkServer.sh start-foreground</c>) on <paramref name="address"/>:<paramref name="port"/>
    /// (a fresh loopback address and free port by default) with <paramref name="configuration"/> lines added to a
    /// standalone configuration and <paramref name="myId"/> written for an ensemble member.
    /// </summary>
    public static Task<ProbeTarget> StartZooKeeperAsync(
        IReadOnlyList<string> configuration,
        CancellationToken cancellationToken,
        IPAddress? address = null,
        int port = 0,
        int? myId = null)
    {
        const string ZkServer = "/usr/share/zookeeper/bin/zkServer.sh";
        if (!File.Exists(ZkServer))
        {
            throw new InvalidOperationException(
                $"'{ZkServer}' was not found. Install the Debian package 'zookeeper': apt-get install -y --no-install-recommends zookeeper (scripts/test does this).");
        }

        // env sets the log directory, which zkServer.sh otherwise puts where an unprivileged user cannot write.
        return StartAsync(
            "env",
            "hs-zookeeper-",
            (_, _, directory) => [$"ZOO_LOG_DIR={directory}", ZkServer, "start-foreground", Path.Combine(directory, "zoo.cfg")],
            async (directory, a, p, ct) =>
            {
                Directory.CreateDirectory(Path.Combine(directory, "data"));
                if (myId is { } id)
                {
                    await File.WriteAllTextAsync(Path.Combine(directory, "data", "myid"), id.ToString(CultureInfo.InvariantCulture), ct);
                }

                await File.WriteAllLinesAsync(Path.Combine(directory, "zoo.cfg"),
                [
                    "tickTime=500", "initLimit=20", "syncLimit=10", $"dataDir={directory}/data", "admin.enableServer=false",
                    $"clientPortAddress={a}", $"clientPort={p.ToString(CultureInfo.InvariantCulture)}", .. configuration,
                ], ct);
            },
            cancellationToken,
            address,
            port);
    }

    /// <summary>Connects and runs <paramref name="probe"/>, bounded like the sidecar's <c>ProbeTimeout</c>.</summary>
    public async Task<ProbeResult> ProbeAsync(IProtocolProbe probe, ProbeCredentials? credentials, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        using var client = new TcpClient(EndPoint.AddressFamily);
        await client.ConnectAsync(EndPoint, timeout.Token);
        return await probe.ProbeAsync(client.GetStream(), credentials, timeout.Token);
    }

    private static async Task<ProbeTarget> StartAsync(
        string tool,
        string prefix,
        Func<IPAddress, int, string, IEnumerable<string>> arguments,
        Func<string, IPAddress, int, CancellationToken, Task>? prepare,
        CancellationToken cancellationToken,
        IPAddress? address = null,
        int port = 0)
    {
        var path = RequiredTool.Resolve(tool);
        address ??= LoopbackAddresses.Next();
        port = port == 0 ? LoopbackAddresses.FreePort(address) : port;
        var directory = Directory.CreateTempSubdirectory(prefix);
        if (prepare is not null)
        {
            await prepare(directory.FullName, address, port, cancellationToken);
        }

        var process = ProcessRunner.Start(path, arguments(address, port, directory.FullName), directory.FullName);
        var target = new ProbeTarget(process, directory, new IPEndPoint(address, port));
        try
        {
            await Poll.UntilAsync(
                async ct => process.HasExited
                    ? throw new InvalidOperationException($"{tool} exited." + process.Describe())
                    : await Poll.AcceptsTcpAsync(target.EndPoint, ct),
                $"{tool} on {target.EndPoint} to accept connections",
                StartTimeout,
                process.Describe,
                cancellationToken);
            return target;
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
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
