using System.Globalization;
using System.Net;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>
/// A pod that is a process of its own: nginx in one process (no master, no daemon) answering every request with
/// 200 at once, so <c>kill -STOP</c> freezes it as a node would (the kernel still accepts connections
/// into its backlog; nothing answers them) and <c>kill -CONT</c> thaws it.
/// </summary>
internal sealed class NginxPod : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _directory;
    private ProcessRunner? _process;

    private NginxPod(string name, IPEndPoint endPoint, DirectoryInfo directory)
    {
        Name = name;
        EndPoint = endPoint;
        _directory = directory;
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException($"nginx pod {Name} is not running.");

    public static async Task<NginxPod> StartAsync(string name, IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var nginx = RequiredTool.Resolve("nginx");
        var pod = new NginxPod(name, endPoint, Directory.CreateTempSubdirectory("hs-nginx-"));
        try
        {
            var config = Path.Combine(pod._directory.FullName, "nginx.conf");
            await File.WriteAllTextAsync(config, pod.RenderConfig(), cancellationToken);
            pod._process = ProcessRunner.Start(nginx, ["-p", pod._directory.FullName, "-c", config, "-e", "stderr"], pod._directory.FullName);
            var process = pod._process;
            await Poll.UntilAsync(
                async ct => process.HasExited ? throw new InvalidOperationException("nginx exited." + process.Describe()) : await Poll.AcceptsTcpAsync(endPoint, ct),
                $"nginx on {endPoint}", StartTimeout, process.Describe, cancellationToken);
            return pod;
        }
        catch
        {
            await pod.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends <paramref name="signal"/> (<c>STOP</c>, <c>CONT</c>) to the nginx process.</summary>
    public async Task SignalAsync(string signal, CancellationToken cancellationToken = default)
    {
        var (exitCode, output) = await ProcessRunner.RunAsync("kill", [$"-{signal}", ProcessId.ToString(CultureInfo.InvariantCulture)],
            timeout: TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {ProcessId} failed ({exitCode}): {output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            // A stopped process ignores SIGTERM until continued; SIGKILL (the runner's) ends it either way.
            await _process.DisposeAsync();
        }
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
        var directory = _directory.FullName;
        return $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log stderr warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{directory}}/body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                keepalive_requests 100000;
                server {
                    listen {{EndPoint.Address}}:{{EndPoint.Port}};
                    location / { return 200 '{"pod":"{{Name}}","server":"nginx"}'; }
                }
            }
            """;
    }
}
