using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Tls;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Connections;

/// <summary>
/// The keep-alive pool of one pod at one address, for both forwarders: its own <see cref="SocketsHttpHandler"/>
/// (YARP's path) and the lean HTTP/1.1 forwarder's idle <see cref="Http1Connection"/>s, so disposing it closes
/// exactly this pod's idle connections. Warm connections are sockets connected in advance that either path
/// takes before it connects anything new; both count into the same counters.
/// </summary>
/// <remarks>
/// With <c>Tls</c> on, every connection is handed over authenticated (<see cref="TlsConnector"/>): warm ones
/// included, so their handshake is done in advance too. When the service's TLS material changes, connections made
/// with the old one are retired without a reconnect storm: a lean connection of an older generation is closed when
/// it comes back to the pool, at most <see cref="RetirePerSecond"/> per second (the others keep serving until their
/// turn or their idle timeout), and YARP's handler is replaced for new requests while the old one's connections
/// finish their requests and close at <c>Pool:IdleTimeout</c>.
/// </remarks>
internal sealed partial class PodConnectionPool : IDisposable
{
    private readonly PodEndpoint _pod;
    private volatile ServiceOptions _options;
    private readonly ILogger _logger;
    /// <summary>Old-generation lean connections closed per second per pod, at most, after the TLS material changed.</summary>
    public const int RetirePerSecond = 10;

    private SocketsHttpHandler _handler;
    private HttpMessageInvoker _invoker;
    private readonly TlsConnector? _tls;
    private readonly TlsAlpn _alpn;
    private long _handlerGeneration;
    private List<(HttpMessageInvoker Invoker, SocketsHttpHandler Handler)>? _retiredHandlers;
    private long _retireWindowStart;
    private int _retiredInWindow;
    private readonly ConcurrentQueue<Socket> _warm = new();
    private readonly ConcurrentQueue<WarmTls> _warmTls = new();
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
    private readonly Action _noteClosedUnread;
    private int _closedUnread;
    private ITimer? _idleSweep;

    public PodConnectionPool(PodEndpoint pod, ServiceOptions options, ILogger logger, TimeProvider? time = null, TlsConnector? tls = null)
    {
        _pod = pod;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _noteClosedUnread = () => Interlocked.Increment(ref _closedUnread);
        _tls = tls;
        _alpn = options.Protocol == ServiceProtocol.Tcp ? TlsAlpn.None : options.UpstreamHttpVersion.Major >= 2 ? TlsAlpn.Http2 : TlsAlpn.Http11;
        _handlerGeneration = tls?.Generation ?? 0;
        (_invoker, _handler) = CreateInvoker();
        _http1Slots = options.Pool.MaxConnectionsPerPod > 0 ? new SemaphoreSlim(options.Pool.MaxConnectionsPerPod) : null;
        // With TLS the scheme is https although the handler never does TLS itself: given an authenticated SslStream
        // by the callback it uses it as it is. The scheme is what an HTTP/2 request says in :scheme, and servers
        // (Kestrel, gRPC) refuse "http" over TLS with PROTOCOL_ERROR.
        var scheme = tls is null ? "http" : "https";
        DestinationPrefix = pod.Address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"{scheme}://[{pod.Address}]:{pod.Port}"
            : $"{scheme}://{pod.Address}:{pod.Port}";
        RequestUris = new Forwarding.RequestUriCache(DestinationPrefix);
    }

    private (HttpMessageInvoker, SocketsHttpHandler) CreateInvoker()
    {
        var options = _options;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            EnableMultipleHttp2Connections = true,
            // With TLS the callback bounds the connect and the handshake each by Timeouts:Connect itself, so a slow
            // handshake is a tls_error rather than the handler's connect timeout.
            ConnectTimeout = _tls is null ? options.Timeouts.Connect : Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = options.Pool.IdleTimeout,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = options.Pool.MaxConnectionsPerPod > 0 ? options.Pool.MaxConnectionsPerPod : int.MaxValue,
            // The request URI is scheme://address:port (the pool's key); TLS, when on, is the callback's SslStream.
            ConnectCallback = _tls is null ? ConnectAsync : ConnectTlsAsync,
        };
        // Only HTTP/1.1 pods: there a request holds a connection, so "waiting" is well defined.
        var invoker = options.Pool.MaxConnectionsPerPod > 0 && options.UpstreamHttpVersion == HttpVersion.Version11
            ? new HttpMessageInvoker(new PendingLimitHandler(handler, options.Pool.MaxConnectionsPerPod, options.Pool.MaxPending, _pod.Name), disposeHandler: false)
            : new HttpMessageInvoker(handler, disposeHandler: false);
        return (invoker, handler);
    }

    /// <summary>YARP's way to this pod. With TLS, a new material generation gets a new handler (see remarks).</summary>
    public HttpMessageInvoker Invoker
    {
        get
        {
            if (_tls is not null && _tls.Generation != Volatile.Read(ref _handlerGeneration))
            {
                SwapHandler();
            }
            return Volatile.Read(ref _invoker);
        }
    }

    /// <summary>The TLS connector of this pool's service, or null for plaintext.</summary>
    public TlsConnector? Tls => _tls;

    private void SwapHandler()
    {
        lock (_idleHttp1)
        {
            var generation = _tls!.Generation;
            if (generation == _handlerGeneration || _disposed.IsCancellationRequested)
            {
                return;
            }
            (_retiredHandlers ??= []).Add((_invoker, _handler));
            var (invoker, handler) = CreateInvoker();
            _handler = handler;
            Volatile.Write(ref _invoker, invoker);
            Volatile.Write(ref _handlerGeneration, generation);
        }
    }

    /// <summary>
    /// A reload's settings that the pool reads per connection (<c>Timeouts:Connect</c>, <c>Limits:MaxPendingPerPod</c>);
    /// what the pool was built from (<c>Pool</c>, <c>UpstreamHttpVersion</c>, <c>Tls</c>) takes a new pool instead.
    /// </summary>
    public void Update(ServiceOptions options) => _options = options;

    /// <summary><c>http://address:port</c> (<c>https://</c> with TLS): where requests to this pod go (never an address from the request).</summary>
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
            if (_tls is not null)
            {
                // From here the tracked stream owns the socket (and counts its close).
                var connected = socket;
                socket = null;
                var tls = await _tls.AuthenticateAsync(new TrackedNetworkStream(connected, OnConnectionClosed), _pod, _alpn, _options.Timeouts.Connect, _disposed.Token);
                _warmTls.Enqueue(new WarmTls(connected, tls.Stream, tls.Generation));
            }
            else
            {
                _warm.Enqueue(socket);
            }
            if (_disposed.IsCancellationRequested)
            {
                DrainWarm();
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or TlsHandshakeException)
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

    private async ValueTask<Stream> ConnectTlsAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var (_, stream, _) = await TakeWarmOrConnectTlsAsync(cancellationToken);
        if (stream is PodSslStream pod)
        {
            pod.ClosedUnread = _noteClosedUnread;
        }
        return stream;
    }

    /// <summary>
    /// How many of this pool's handler connections the pod ended before sending any application data (over HTTP/2:
    /// before its SETTINGS). A rise during an attempt tells a refused client certificate from a reset stream.
    /// </summary>
    public int ClosedUnread => Volatile.Read(ref _closedUnread);

    /// <summary>
    /// With TLS: a warm connection of the current material if one is still alive, else a new one within
    /// <c>Timeouts:Connect</c> (a <see cref="TimeoutException"/> past it) and its handshake within as long again.
    /// </summary>
    private async ValueTask<(Socket Socket, Stream Stream, long Generation)> TakeWarmOrConnectTlsAsync(CancellationToken cancellationToken)
    {
        var generation = _tls!.Generation;
        while (_warmTls.TryDequeue(out var warm))
        {
            if (warm.Generation == generation && IsAlive(warm.Socket))
            {
                Interlocked.Increment(ref _warmUsed);
                return (warm.Socket, warm.Stream, warm.Generation);
            }
            await warm.Stream.DisposeAsync();
        }
        Socket socket;
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connectTimeout.CancelAfter(_options.Timeouts.Connect);
            try
            {
                socket = await ConnectSocketAsync(connectTimeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"connect to {_pod.EndPoint} timed out after Timeouts:Connect ({_options.Timeouts.Connect})");
            }
        }
        Interlocked.Increment(ref _openConnections);
        Interlocked.Increment(ref _connectsOpened);
        var tls = await _tls.AuthenticateAsync(new TrackedNetworkStream(socket, OnConnectionClosed), _pod, _alpn, _options.Timeouts.Connect, cancellationToken);
        return (socket, tls.Stream, tls.Generation);
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
            if (_tls is not null)
            {
                var (tlsSocket, stream, generation) = await TakeWarmOrConnectTlsAsync(cancellationToken);
                return new Http1Connection(tlsSocket, stream) { Generation = generation };
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
        if (_tls is not null && connection.Generation != _tls.Generation && MayRetireOne())
        {
            // Made with TLS material that has since changed: closed now, its successor made with the new one.
            CloseHttp1(connection);
            return;
        }
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

    /// <summary>Whether one more old-generation connection may close in this second (<see cref="RetirePerSecond"/>).</summary>
    private bool MayRetireOne()
    {
        var now = _time.GetTimestamp();
        lock (_idleHttp1)
        {
            if (_time.GetElapsedTime(_retireWindowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _retireWindowStart = now;
                _retiredInWindow = 0;
            }
            if (_retiredInWindow >= RetirePerSecond)
            {
                return false;
            }
            _retiredInWindow++;
            return true;
        }
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
            // A kept TLS connection has read everything the pod sent before it went idle (session tickets come before
            // the first answer): anything readable now is the pod closing it (close_notify).
            if (_time.GetElapsedTime(connection.IdleSince) < _options.Pool.IdleTimeout
                && (!checkAlive || (_tls is null ? IsAlive(connection.Socket) : IsQuiet(connection.Socket))))
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

    /// <summary>Nothing to read and not closed: what an idle TLS connection looks like.</summary>
    private static bool IsQuiet(Socket socket)
    {
        try
        {
            return !socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
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
        while (_warmTls.TryDequeue(out var warm))
        {
            // Its tracked stream counts the close.
            warm.Stream.Dispose();
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
        _invoker.Dispose();
        _handler.Dispose();
        List<(HttpMessageInvoker Invoker, SocketsHttpHandler Handler)>? retired;
        lock (_idleHttp1)
        {
            retired = _retiredHandlers;
            _retiredHandlers = null;
        }
        foreach (var (invoker, handler) in retired ?? [])
        {
            invoker.Dispose();
            handler.Dispose();
        }
        // _disposed stays undisposed on purpose: a warm-up still running links to its token.
    }

    /// <summary>A warm TLS connection: authenticated with material <see cref="Generation"/>.</summary>
    private readonly record struct WarmTls(Socket Socket, Stream Stream, long Generation);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Warm connection to pod {Pod} at {EndPoint} failed: {Reason}")]
        public static partial void WarmConnectFailed(ILogger logger, string pod, IPEndPoint endPoint, string reason);
    }
}
