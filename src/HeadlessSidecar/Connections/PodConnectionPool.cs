using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Connections;

/// <summary>
/// The keep-alive pool of one pod at one address, for both forwarders: its own <see cref="SocketsHttpHandler"/>
/// (YARP's path) and the lean HTTP/1.1 forwarder's idle <see cref="Http1Connection"/>s, so disposing it closes
/// exactly this pod's idle connections. Warm connections are sockets connected in advance that either path
/// takes before it connects anything new; both count into the same counters.
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
    private int _pending;
    private long _connectsOpened;
    private long _warmUsed;

    // The lean path's idle connections, most recently used last (reused first, so the oldest age out).
    private readonly List<Http1Connection> _idleHttp1 = [];
    // Pool:MaxConnectionsPerPod for the lean path: a slot per connection busy with a request.
    private readonly SemaphoreSlim? _http1Slots;
    private readonly TimeProvider _time;
    private ITimer? _idleSweep;

    public PodConnectionPool(PodEndpoint pod, ServiceOptions options, ILogger logger, TimeProvider? time = null)
    {
        _pod = pod;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
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
        // Only HTTP/1.1 pods: there a request holds a connection, so "waiting" is well defined.
        Invoker = options.Pool.MaxConnectionsPerPod > 0 && options.UpstreamHttpVersion == HttpVersion.Version11
            ? new HttpMessageInvoker(new PendingLimitHandler(_handler, options.Pool.MaxConnectionsPerPod, options.Pool.MaxPending, pod.Name), disposeHandler: false)
            : new HttpMessageInvoker(_handler, disposeHandler: false);
        _http1Slots = options.Pool.MaxConnectionsPerPod > 0 ? new SemaphoreSlim(options.Pool.MaxConnectionsPerPod) : null;
        DestinationPrefix = pod.Address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"http://[{pod.Address}]:{pod.Port}"
            : $"http://{pod.Address}:{pod.Port}";
        RequestUris = new Forwarding.RequestUriCache(DestinationPrefix);
    }

    public HttpMessageInvoker Invoker { get; }

    /// <summary><c>http://address:port</c>: where requests to this pod go (never an address from the request).</summary>
    public string DestinationPrefix { get; }

    /// <summary>Request URIs under <see cref="DestinationPrefix"/> by path, for YARP's path (h2c pods).</summary>
    public Forwarding.RequestUriCache RequestUris { get; }

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
        // The request URI holds the pod's address, but we connect to the discovered endpoint regardless.
        var socket = await TakeWarmOrConnectAsync(cancellationToken);
        return new TrackedNetworkStream(socket, OnConnectionClosed);
    }

    /// <summary>A warm socket if one is still alive, else a new connection (counted as one on the request path).</summary>
    private async ValueTask<Socket> TakeWarmOrConnectAsync(CancellationToken cancellationToken)
    {
        while (_warm.TryDequeue(out var warm))
        {
            if (IsAlive(warm))
            {
                Interlocked.Increment(ref _warmUsed);
                return warm;
            }
            warm.Dispose();
            Interlocked.Decrement(ref _openConnections);
        }
        var socket = await ConnectSocketAsync(cancellationToken);
        Interlocked.Increment(ref _openConnections);
        Interlocked.Increment(ref _connectsOpened);
        return socket;
    }

    /// <summary>
    /// An upstream connection for one request of the lean forwarder: an idle one (unless
    /// <paramref name="allowIdle"/> is false; checked for a close by the pod unless <paramref name="checkIdleAlive"/>
    /// is false), a warm one, or a new one
    /// within <c>Timeouts:Connect</c> (a <see cref="TimeoutException"/> past it). Waits for a slot while
    /// <c>Pool:MaxConnectionsPerPod</c> connections are busy. Give it back with <see cref="ReturnHttp1"/>
    /// or <see cref="CloseHttp1"/>.
    /// </summary>
    public async ValueTask<Http1Connection> RentHttp1Async(bool allowIdle, CancellationToken cancellationToken, bool checkIdleAlive = true)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (_http1Slots is not null && !_http1Slots.Wait(0))
        {
            await WaitForSlotAsync(_http1Slots, cancellationToken);
        }
        try
        {
            if (allowIdle && TakeIdleHttp1(checkIdleAlive) is { } idle)
            {
                return idle;
            }
            Socket socket;
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(_options.Timeouts.Connect);
                try
                {
                    socket = await TakeWarmOrConnectAsync(connectTimeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"connect to {_pod.EndPoint} timed out after Timeouts:Connect ({_options.Timeouts.Connect})");
                }
            }
            return new Http1Connection(socket, new TrackedNetworkStream(socket, OnConnectionClosed));
        }
        catch
        {
            _http1Slots?.Release();
            throw;
        }
    }

    /// <summary>Waits for a busy pod's free connection, unless <c>Limits:MaxPendingPerPod</c> requests already wait.</summary>
    private async Task WaitForSlotAsync(SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _pending) > _options.Pool.MaxPending)
        {
            Interlocked.Decrement(ref _pending);
            throw Overloaded(_pod.Name, _options.Pool.MaxConnectionsPerPod, _options.Pool.MaxPending);
        }
        try
        {
            await slots.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    internal static PodOverloadedException Overloaded(string pod, int maxConnections, int maxPending) =>
        new($"pod '{pod}' has all of its Pool:MaxConnectionsPerPod ({maxConnections}) connections busy and Limits:MaxPendingPerPod ({maxPending}) requests waiting for one");

    /// <summary>Takes back a connection whose exchange ended cleanly, for the next request.</summary>
    public void ReturnHttp1(Http1Connection connection)
    {
        connection.ReleaseBuffer();
        connection.Reused = true;
        connection.IdleSince = _time.GetTimestamp();
        var kept = false;
        lock (_idleHttp1)
        {
            if (!_disposed.IsCancellationRequested)
            {
                _idleHttp1.Add(connection);
                kept = true;
            }
        }
        _http1Slots?.Release();
        if (!kept)
        {
            connection.Dispose();
            return;
        }
        if (_idleSweep is null)
        {
            StartIdleSweep();
        }
    }

    /// <summary>Closes a connection that cannot be reused.</summary>
    public void CloseHttp1(Http1Connection connection)
    {
        connection.Dispose();
        _http1Slots?.Release();
    }

    private Http1Connection? TakeIdleHttp1(bool checkAlive)
    {
        while (true)
        {
            Http1Connection? connection;
            lock (_idleHttp1)
            {
                if (_idleHttp1.Count == 0)
                {
                    return null;
                }
                connection = _idleHttp1[^1];
                _idleHttp1.RemoveAt(_idleHttp1.Count - 1);
            }
            if (_time.GetElapsedTime(connection.IdleSince) < _options.Pool.IdleTimeout && (!checkAlive || IsAlive(connection.Socket)))
            {
                connection.EnsureBuffer();
                return connection;
            }
            connection.Dispose();
        }
    }

    private void StartIdleSweep()
    {
        var period = TimeSpan.FromTicks(Math.Clamp(_options.Pool.IdleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond * 15));
        var timer = _time.CreateTimer(static state => ((PodConnectionPool)state!).SweepIdle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (Interlocked.CompareExchange(ref _idleSweep, timer, null) is not null)
        {
            timer.Dispose();
            return;
        }
        timer.Change(period, period);
        if (_disposed.IsCancellationRequested)
        {
            timer.Dispose();
        }
    }

    /// <summary>Closes lean connections idle for longer than <c>Pool:IdleTimeout</c>.</summary>
    private void SweepIdle()
    {
        var limit = _options.Pool.IdleTimeout;
        List<Http1Connection>? expired = null;
        lock (_idleHttp1)
        {
            var count = 0;
            while (count < _idleHttp1.Count && _time.GetElapsedTime(_idleHttp1[count].IdleSince) >= limit)
            {
                count++;
            }
            if (count > 0)
            {
                expired = _idleHttp1.GetRange(0, count);
                _idleHttp1.RemoveRange(0, count);
            }
        }
        expired?.ForEach(static connection => connection.Dispose());
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
        _idleSweep?.Dispose();
        Http1Connection[] idle;
        lock (_idleHttp1)
        {
            idle = [.. _idleHttp1];
            _idleHttp1.Clear();
        }
        foreach (var connection in idle)
        {
            connection.Dispose();
        }
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
