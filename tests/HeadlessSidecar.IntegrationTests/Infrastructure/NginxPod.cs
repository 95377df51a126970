using System.Globalization;
using System.Net;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A pod served by Debian's nginx as one real process (no master, no daemon) that answers every request with 200 and
/// <c>{"pod":"web-1"}</c>. It can be frozen with <c>kill -STOP</c> as a node freezes a pod (SIGSTOP, a stuck disk):
/// the kernel keeps accepting its connections, nothing answers them. Disposal resumes it before killing it.
/// </summary>
public sealed class NginxPod : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _prefix;
    private ProcessRunner? _process;
    private bool _stopped;

    private NginxPod(string name, IPAddress address, int port, DirectoryInfo prefix)
    {
        Name = name;
        Address = address;
        Port = port;
        _prefix = prefix;
    }

    public string Name { get; }

    public IPAddress Address { get; }

    public int Port { get; }

    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary>nginx's output so far, for failure messages.</summary>
    public string Log => _process?.Describe() ?? "(not running)";

    public static async Task<NginxPod> StartAsync(string name, IPAddress address, int port, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(address);
        var nginx = RequiredTool.Resolve("nginx");
        var prefix = Directory.CreateTempSubdirectory("hs-nginx-");
        var pod = new NginxPod(name, address, port, prefix);
        try
        {
            var temp = Path.Combine(prefix.FullName, "tmp");
            Directory.CreateDirectory(temp);
            var config = $$"""
                daemon off;
                master_process off;
                worker_processes 1;
                error_log stderr warn;
                pid {{prefix.FullName}}/nginx.pid;
                events { worker_connections 4096; }
                http {
                    access_log off;
                    client_body_temp_path {{temp}}/body;
                    proxy_temp_path {{temp}}/proxy;
                    fastcgi_temp_path {{temp}}/fastcgi;
                    uwsgi_temp_path {{temp}}/uwsgi;
                    scgi_temp_path {{temp}}/scgi;
                    keepalive_requests 100000;
                    server {
                        listen {{address}}:{{port.ToString(CultureInfo.InvariantCulture)}};
                        location / {
                            add_header X-Pod {{name}};
                            return 200 '{"pod":"{{name}}"}\n';
                        }
                    }
                }
                """;
            var configPath = Path.Combine(prefix.FullName, "nginx.conf");
            await File.WriteAllTextAsync(configPath, config, cancellationToken);
            pod._process = ProcessRunner.Start(nginx, ["-e", "stderr", "-p", prefix.FullName, "-c", configPath]);
            await Poll.UntilAsync(
                async ct => pod._process.HasExited
                    ? throw new InvalidOperationException("nginx exited." + pod._process.Describe())
                    : await Poll.AcceptsTcpAsync(pod.EndPoint, ct),
                $"nginx on {pod.EndPoint} to accept connections",
                StartTimeout,
                pod._process.Describe,
                cancellationToken);
            return pod;
        }
        catch
        {
            await pod.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>kill -STOP</c>: the process no longer runs; its sockets stay open.</summary>
    public async Task FreezeAsync()
    {
        await SignalAsync("-STOP");
        _stopped = true;
    }

    /// <summary><c>kill -CONT</c>.</summary>
    public async Task ResumeAsync()
    {
        await SignalAsync("-CONT");
        _stopped = false;
    }

    private async Task SignalAsync(string signal)
    {
        var process = _process ?? throw new InvalidOperationException($"nginx pod {Name} is not running.");
        var (exitCode, output) = await ProcessRunner.RunAsync(RequiredTool.Resolve("kill"),
            [signal, process.Id.ToString(CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(5));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {process.Id} failed ({exitCode}): {output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (_stopped)
            {
                await ResumeAsync();
            }
            await _process.DisposeAsync();
            _process = null;
        }
        try
        {
            _prefix.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test.
        }
    }
}
