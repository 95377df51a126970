using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Connections;

/// <summary>
/// The keep-alive pool of one pod at one address: its own <see cref="SocketsHttpHandler"/>, so disposing it
/// closes exactly this pod's idle connections. Warm connections are sockets connected in advance that the
/// handler's <see cref="SocketsHttpHandler.ConnectCallback"/> hands out before it connects anything new.
/// </summary>
internal sealed partial class PodConnectionPool : IDisposable
{
    private readonly PodEndpoint _pod;
    private readonly ServiceOptions _options;
    private readonly ILogger _logger;
    private readonly SocketsHttpHandler _handler;
    private readonly ConcurrentQueue<Socket> _warm = new();
    private readonly CancellationTokenSource _disposed = new();
    private int _openConnections;
    private long _connectsOpened;
    private long _warmUsed;

    public PodConnectionPool(PodEndpoint pod, ServiceOptions options, ILogger logger)
    {
        _pod = pod;
        _options = options;
        _logger = logger;
        _handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = options.Timeouts.Connect,
            PooledConnectionIdleTimeout = options.Pool.IdleTimeout,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = options.Pool.MaxConnectionsPerPod > 0 ? options.Pool.MaxConnectionsPerPod : int.MaxValue,
            ConnectCallback = ConnectAsync,
        };
        Invoker = new HttpMessageInvoker(_handler, disposeHandler: false);
        DestinationPrefix = pod.Address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"http://[{pod.Address}]:{pod.Port}"
            : $"http://{pod.Address}:{pod.Port}";
    }

    public HttpMessageInvoker Invoker { get; }

    /// <summary><c>http://address:port</c>: where requests to this pod go (never an address from the request).</summary>
    public string DestinationPrefix { get; }

    /// <summary>Upstream connections open now (pooled, in use or warm-but-unused).</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Connections opened on a request's path (warm ones excluded).</summary>
    public long ConnectsOnRequestPath => Interlocked.Read(ref _connectsOpened);

    public long WarmConnectionsUsed => Interlocked.Read(ref _warmUsed);

    /// <summary>Opens <see cref="PoolOptions.WarmConnections"/> connections now, for the first requests to use.</summary>
    public async Task WarmAsync()
    {
        var count = _options.Pool.WarmConnections;
        if (count == 0)
        {
            return;
        }
        var tasks = new Task[count];
        for (var i = 0; i < count; i++)
        {
            tasks[i] = WarmOneAsync();
        }
        await Task.WhenAll(tasks);
    }

    private async Task WarmOneAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        timeout.CancelAfter(_options.Timeouts.Connect);
        Socket? socket = null;
        try
        {
            socket = await ConnectSocketAsync(timeout.Token);
            Interlocked.Increment(ref _openConnections);
            _warm.Enqueue(socket);
            if (_disposed.IsCancellationRequested)
            {
                DrainWarm();
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            socket?.Dispose();
            Log.WarmConnectFailed(_logger, _pod.Name, _pod.EndPoint, ex.Message);
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        while (_warm.TryDequeue(out var warm))
        {
            if (IsAlive(warm))
            {
                Interlocked.Increment(ref _warmUsed);
                return new TrackedNetworkStream(warm, OnConnectionClosed);
            }
            warm.Dispose();
            Interlocked.Decrement(ref _openConnections);
        }
        // The request URI holds the pod's address, but we connect to the discovered endpoint regardless.
        var socket = await ConnectSocketAsync(cancellationToken);
        Interlocked.Increment(ref _openConnections);
        Interlocked.Increment(ref _connectsOpened);
        return new TrackedNetworkStream(socket, OnConnectionClosed);
    }

    private async ValueTask<Socket> ConnectSocketAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(_pod.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_pod.EndPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A warm socket the server closed while it waited is readable with nothing to read.</summary>
    private static bool IsAlive(Socket socket)
    {
        try
        {
            return !(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private void OnConnectionClosed() => Interlocked.Decrement(ref _openConnections);

    private void DrainWarm()
    {
        while (_warm.TryDequeue(out var socket))
        {
            socket.Dispose();
            Interlocked.Decrement(ref _openConnections);
        }
    }

    /// <summary>Closes idle connections at once; connections busy with a request close when it ends.</summary>
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }
        _disposed.Cancel();
        DrainWarm();
        Invoker.Dispose();
        _handler.Dispose();
        // _disposed stays undisposed on purpose: a warm-up still running links to its token.
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Warm connection to pod {Pod} at {EndPoint} failed: {Reason}")]
        public static partial void WarmConnectFailed(ILogger logger, string pod, IPEndPoint endPoint, string reason);
    }
}
