using System.Globalization;
using System.Net;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A pod served by nghttpd (Debian's nghttp2-server) without TLS: an HTTP/2-only server that speaks h2c with
/// prior knowledge and nothing else, a peer written by others to check our HTTP/2 against.
/// It serves <see cref="FileName"/> (also as <c>/</c>) with <see cref="FileContent"/> from its own directory.
/// </summary>
public sealed class NghttpdPod : IAsyncDisposable
{
    public const string FileName = "index.html";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly string _nghttpd;
    private readonly DirectoryInfo _documentRoot;
    private ProcessRunner? _process;

    private NghttpdPod(string name, IPAddress address, int port, string nghttpd, DirectoryInfo documentRoot)
    {
        Name = name;
        Address = address;
        Port = port;
        _nghttpd = nghttpd;
        _documentRoot = documentRoot;
        FileContent = $"{{\"pod\":\"{name}\",\"server\":\"nghttpd\"}}\n";
    }

    public string Name { get; }

    public IPAddress Address { get; }

    public int Port { get; }

    public IPEndPoint EndPoint => new(Address, Port);

    public Uri BaseUri => new($"http://{EndPoint}/");

    public string DocumentRoot => _documentRoot.FullName;

    /// <summary>The body of <c>/index.html</c>: <c>{"pod":"web-0","server":"nghttpd"}</c> and a newline.</summary>
    public string FileContent { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>nghttpd's output so far, for failure messages.</summary>
    public string Log => _process?.Describe() ?? "(not running)";

    /// <summary>Starts nghttpd on <paramref name="address"/>; port 0 picks a free one. Returns once it accepts connections.</summary>
    public static async Task<NghttpdPod> StartAsync(string name, IPAddress address, int port = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        var nghttpd = RequiredTool.Resolve("nghttpd");

        var root = Directory.CreateTempSubdirectory("hs-nghttpd-");
        var pod = new NghttpdPod(name, address, port == 0 ? LoopbackAddresses.FreePort(address) : port, nghttpd, root);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root.FullName, FileName), pod.FileContent, cancellationToken);
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
            throw new InvalidOperationException($"nghttpd pod {Name} is already running.");
        }

        _process = ProcessRunner.Start(
            _nghttpd,
            ["--no-tls", "--address", Address.ToString(), "--htdocs", _documentRoot.FullName, Port.ToString(CultureInfo.InvariantCulture)]);
        await Poll.UntilAsync(
            async ct => _process.HasExited
                ? throw new InvalidOperationException("nghttpd exited." + _process.Describe())
                : await Poll.AcceptsTcpAsync(EndPoint, ct),
            $"nghttpd on {EndPoint} to accept connections",
            StartTimeout,
            _process.Describe,
            cancellationToken);
    }

    /// <summary>Kills nghttpd, as a pod dies.</summary>
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
            _documentRoot.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test.
        }
    }
}
