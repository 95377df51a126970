using System.Collections.ObjectModel;
using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Limits;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// A named set of real listening sockets that Kestrel serves as one logical listener per role. Sockets can be added
/// at any time, also while Kestrel runs: that is how per-ordinal ports open when a pod first appears. A sniffing group
/// splits its connections by the HTTP/2 preface into an HTTP/1.1-only and an HTTP/2-only Kestrel endpoint, because
/// Kestrel cannot serve both on one cleartext endpoint (dotnet/aspnetcore#56984).
/// </summary>
/// <remarks>
/// With <see cref="AcceptTcpWith"/>, a socket whose connections are raw TCP accepts them on the listening socket itself and
/// hands them to a handler as plain sockets, with no Kestrel connection in between; HTTP sockets stay Kestrel's.
/// A group serves one server run: once Kestrel has unbound all its endpoints the sockets are closed (new clients are
/// refused rather than left in the backlog) and the group takes no more sockets. Dispose it after the server stopped.
/// </remarks>
public sealed partial class ListenerGroup : IAsyncDisposable
{
    private readonly SocketTransportFactory _socketTransport;
    private readonly TimeSpan _sniffTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RoleQueue[] _queues;
    private readonly SemaphoreSlim _addLock = new(1, 1);
    private readonly Lock _sync = new();
    private readonly List<BoundSocket> _sockets = [];
    // Sockets removed while the group runs: their listeners are disposed with the group (see DisposeAsync).
    private readonly List<BoundSocket> _retired = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationToken _stoppingToken;
    private readonly PendingWork _pending = new();
    private ReadOnlyCollection<IPEndPoint> _endPoints = ReadOnlyCollection<IPEndPoint>.Empty;
    private int _boundRoles;
    private bool _accepting;
    private bool _disposed;
    private Task? _stopped;
    private IAcceptedSocketHandler? _tcpHandler;

    /// <summary>A group with default options, Kestrel's default socket options and no logging.</summary>
    /// <param name="name">The group's name, for logs and errors.</param>
    /// <param name="sniffHttp">True to split connections into the <see cref="ListenerRole.Http1"/> and
    /// <see cref="ListenerRole.Http2"/> roles by the HTTP/2 preface; false to hand all of them to <see cref="ListenerRole.Raw"/>.</param>
    public ListenerGroup(string name, bool sniffHttp)
        : this(name, sniffHttp, new ListenerGroupOptions(), Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance, TimeProvider.System)
    {
    }

    /// <summary>A group wired to the app's services; see <see cref="ListenerGroupExtensions.CreateListenerGroup"/>.</summary>
    /// <param name="name">The group's name, for logs and errors.</param>
    /// <param name="sniffHttp">True to split connections by the HTTP/2 preface; false for raw TCP.</param>
    /// <param name="options">The group's tuning.</param>
    /// <param name="socketOptions">Kestrel's socket transport options; those from the app's services carry Kestrel's memory pool.</param>
    /// <param name="loggerFactory">Logging for the group and its sockets.</param>
    /// <param name="timeProvider">Clock of the sniff timeout.</param>
    public ListenerGroup(
        string name,
        bool sniffHttp,
        ListenerGroupOptions options,
        IOptions<SocketTransportOptions> socketOptions,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider)
        : this(name, sniffHttp, mixed: false, options, socketOptions, loggerFactory, timeProvider)
    {
    }

    /// <summary>
    /// A mixed group: it has all three roles, and each socket says whether it sniffs HTTP or carries raw TCP, and under
    /// which limiter (<see cref="SocketUse"/>). The sidecar serves all its proxy listeners through one such group, so a
    /// reload can add, hand over and remove listening sockets while Kestrel runs, its endpoints unchanged.
    /// </summary>
    internal static ListenerGroup CreateMixed(string name, ListenerGroupOptions options, IOptions<SocketTransportOptions> socketOptions,
        ILoggerFactory loggerFactory, TimeProvider timeProvider) =>
        new(name, sniffHttp: true, mixed: true, options, socketOptions, loggerFactory, timeProvider);

    private ListenerGroup(
        string name,
        bool sniffHttp,
        bool mixed,
        ListenerGroupOptions options,
        IOptions<SocketTransportOptions> socketOptions,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(socketOptions);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (options.SniffTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SniffTimeout, $"{nameof(ListenerGroupOptions)}.{nameof(ListenerGroupOptions.SniffTimeout)} must be positive.");
        }

        Name = name;
        SniffHttp = sniffHttp;
        _sniffTimeout = options.SniffTimeout;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<ListenerGroup>();
        ListenSocketCapture.Install(socketOptions.Value);
        _socketTransport = new SocketTransportFactory(socketOptions, loggerFactory);
        _stoppingToken = _stopping.Token;
        Mixed = mixed;
        _queues = mixed
            ? [new RoleQueue(ListenerRole.Http1), new RoleQueue(ListenerRole.Http2), new RoleQueue(ListenerRole.Raw)]
            : sniffHttp
            ? [new RoleQueue(ListenerRole.Http1), new RoleQueue(ListenerRole.Http2)]
            : [new RoleQueue(ListenerRole.Raw)];
    }

    /// <summary>Whether each socket chooses between sniffing HTTP and raw TCP (<see cref="CreateMixed"/>).</summary>
    internal bool Mixed { get; }

    public string Name { get; }

    /// <summary>Whether connections are split into the HTTP/1.1 and HTTP/2 roles (else all are <see cref="ListenerRole.Raw"/>).</summary>
    public bool SniffHttp { get; }

    /// <summary>
    /// The listener's connection limit, taken at accept (before sniffing, so idle sockets count); a connection over it
    /// is closed at once. Its slot travels as a <see cref="ConnectionSlot"/> feature to <see cref="ListenerConnectionMiddleware"/>.
    /// </summary>
    internal ListenerLimiter? Limiter { get; set; }

    /// <summary>The bound addresses, with their real ports.</summary>
    public IReadOnlyCollection<IPEndPoint> EndPoints => Volatile.Read(ref _endPoints);

    /// <summary>
    /// Binds a socket now, before or after Kestrel started; once Kestrel serves the group, its connections are accepted
    /// at once. Port 0 picks a free port. An address the group already listens on is returned as it is.
    /// </summary>
    /// <param name="endPoint">The address to listen on.</param>
    /// <param name="cancellationToken">Cancels waiting for another add in progress.</param>
    /// <returns>The bound address with its real port.</returns>
    /// <exception cref="AddressInUseException">The address is taken.</exception>
    /// <exception cref="IOException">The address cannot be bound for another reason.</exception>
    /// <exception cref="InvalidOperationException">The group has stopped.</exception>
    public Task<IPEndPoint> AddAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default) =>
        AddAsync(endPoint, use: null, accept: true, cancellationToken);

    /// <summary>
    /// Binds a socket with its own <paramref name="use"/> (null: the group's). With <paramref name="accept"/> false the
    /// socket listens (clients wait in its backlog) but nothing is accepted until <see cref="Activate"/>: a reload binds
    /// its new listeners first and lets them serve only once the configuration that routes them is in place.
    /// </summary>
    internal async Task<IPEndPoint> AddAsync(IPEndPoint endPoint, SocketUse? use, bool accept, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);

        // One add at a time, so the same address added twice at once binds once.
        await _addLock.WaitAsync(cancellationToken);
        try
        {
            lock (_sync)
            {
                ThrowIfStopped();
                if (endPoint.Port != 0 && _sockets.Find(s => s.EndPoint.Equals(endPoint)) is { } existing)
                {
                    return existing.EndPoint;
                }
            }

            var (listener, listening) = await BindSocketAsync(endPoint, cancellationToken);
            var socket = new BoundSocket(listener, listening, (IPEndPoint)listener.EndPoint) { Use = use, Paused = !accept };
            var added = false;
            lock (_sync)
            {
                if (_stopped is null)
                {
                    _sockets.Add(socket);
                    _endPoints = Array.AsReadOnly<IPEndPoint>([.. _endPoints, socket.EndPoint]);
                    if (_accepting && accept)
                    {
                        StartAcceptLoop(socket);
                    }

                    added = true;
                }
            }

            if (!added)
            {
                // The group stopped while the socket was being bound.
                await listener.DisposeAsync();
                throw StoppedException();
            }

            Log.SocketBound(_logger, Name, socket.EndPoint);
            return socket.EndPoint;
        }
        finally
        {
            _addLock.Release();
        }
    }

    /// <summary>
    /// Sets how a bound socket's next connections are served (a <c>Listen</c> handed from one service to another, or to
    /// another protocol) and lets a paused socket accept. Connections accepted before keep what they had.
    /// </summary>
    internal void Activate(IPEndPoint endPoint, SocketUse use)
    {
        lock (_sync)
        {
            var socket = _sockets.Find(s => s.EndPoint.Equals(endPoint))
                ?? throw new InvalidOperationException($"Listener group '{Name}' does not listen on {endPoint}.");
            var acceptedDirectly = AcceptsDirectly(socket.Use);
            socket.Use = use;
            if (acceptedDirectly != AcceptsDirectly(use) && !socket.Paused)
            {
                socket.SwitchAccept();
            }
            if (socket.Paused)
            {
                socket.Paused = false;
                if (_accepting)
                {
                    StartAcceptLoop(socket);
                }
            }
        }
    }

    /// <summary>
    /// Closes one listening socket (new clients are refused) and waits for its accept loop; the connections it accepted go
    /// on. Its listener object is disposed with the group: the connections use its memory pool. Unknown addresses are ignored.
    /// </summary>
    internal async Task RemoveAsync(IPEndPoint endPoint)
    {
        BoundSocket? socket;
        lock (_sync)
        {
            socket = _sockets.Find(s => s.EndPoint.Equals(endPoint));
            if (socket is null || _stopped is not null)
            {
                return;
            }
            _sockets.Remove(socket);
            _retired.Add(socket);
            _endPoints = Array.AsReadOnly<IPEndPoint>([.. _sockets.Select(s => s.EndPoint)]);
        }
        await socket.Listener.UnbindAsync();
        await socket.AcceptLoop;
        Log.SocketRemoved(_logger, Name, socket.EndPoint);
    }

    /// <summary>
    /// Closes the listening sockets now, while Kestrel keeps serving the connections it already has: draining
    /// stops the proxy listeners this way before the server (and its admin listener) stops.
    /// </summary>
    public Task StopAcceptingAsync()
    {
        lock (_sync)
        {
            return _disposed ? Task.CompletedTask : StopLocked();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task stopped;
        BoundSocket[] sockets;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            stopped = StopLocked();
            sockets = [.. _sockets, .. _retired];
        }

        await stopped;

        // Disposing a socket listener frees its memory pool, which the connections handed to Kestrel use as well:
        // hence a group is disposed after its server stopped.
        foreach (var socket in sockets)
        {
            await socket.Listener.DisposeAsync();
            socket.Dispose();
        }
    }

    /// <summary>
    /// Hands the raw TCP connections of this group (a mixed group's sockets whose use is not HTTP) to
    /// <paramref name="handler"/> as plain sockets accepted on the listening socket, Kestrel not involved: a short-lived
    /// TCP connection then costs no Kestrel connection (its pipes, its dispatch, its connection middleware), which was
    /// most of the sidecar's cost per new connection (issue 17). HTTP sockets stay Kestrel's. Set before the group
    /// accepts, once.
    /// </summary>
    internal void AcceptTcpWith(IAcceptedSocketHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_sync)
        {
            if (_accepting || _tcpHandler is not null)
            {
                throw new InvalidOperationException($"Listener group '{Name}': choose who takes raw TCP connections before it accepts, once.");
            }
            _tcpHandler = handler;
        }
    }

    private bool AcceptsDirectly(SocketUse? use) => _tcpHandler is not null && !(use?.SniffHttp ?? SniffHttp);

    /// <summary>Kestrel binds the endpoint of one role: from the first one on, the group accepts connections.</summary>
    internal IConnectionListener BindRole(ListenerGroupEndPoint endPoint)
    {
        var queue = Array.Find(_queues, q => q.Role == endPoint.Role)
            ?? throw new InvalidOperationException(SniffHttp
                ? $"Listener group '{Name}' sniffs HTTP and has no {endPoint.Role} role; serve it with ListenHttp."
                : $"Listener group '{Name}' carries raw TCP and has no {endPoint.Role} role; serve it with ListenRaw.");

        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfStopped();
            queue.Bind(Name);
            _boundRoles++;
            if (!_accepting)
            {
                _accepting = true;
                foreach (var socket in _sockets.Where(s => !s.Paused))
                {
                    StartAcceptLoop(socket);
                }
            }
        }

        Log.RoleBound(_logger, Name, endPoint.Role);
        return new RoleConnectionListener(this, endPoint, queue);
    }

    /// <summary>
    /// Kestrel unbinds the endpoint of one role. The other role keeps being served; when none is left the group stops
    /// accepting, so a server shutting down takes no new connection while its in-flight requests finish.
    /// </summary>
    internal async ValueTask UnbindRoleAsync(RoleQueue queue)
    {
        foreach (var connection in queue.Close())
        {
            Close(connection);
        }

        Task? stopped = null;
        lock (_sync)
        {
            if (--_boundRoles == 0)
            {
                stopped = StopLocked();
            }
        }

        Log.RoleUnbound(_logger, Name, queue.Role);
        if (stopped is not null)
        {
            await stopped;
        }
    }

    private async ValueTask<(IConnectionListener Listener, Socket Socket)> BindSocketAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        try
        {
            return await ListenSocketCapture.BindAsync(() => _socketTransport.BindAsync(endPoint, cancellationToken));
        }
        catch (AddressInUseException ex)
        {
            throw new AddressInUseException($"Listener group '{Name}' cannot listen on {endPoint}: the address is already in use.", ex);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
        {
            throw new IOException($"Listener group '{Name}' cannot listen on {endPoint}: {ex.Message}", ex);
        }
    }

    private void StartAcceptLoop(BoundSocket socket) =>
        // Task.Run: the loop must not run inline under the lock when a connection is already waiting.
        socket.AcceptLoop = Task.Run(() => AcceptLoopAsync(socket));

    private async Task AcceptLoopAsync(BoundSocket socket)
    {
        while (true)
        {
            // The use when the accept began decides whether its connection is a raw socket or Kestrel's: Activate cancels a
            // pending accept when the socket switches between the two. Only a group with a TCP handler switches.
            var use = socket.Use;
            var acceptSwitch = _tcpHandler is null ? CancellationToken.None : socket.AcceptSwitch;
            if (AcceptsDirectly(use))
            {
                if (!await AcceptDirectAsync(socket, use, acceptSwitch))
                {
                    return;
                }
                continue;
            }

            ConnectionContext? connection;
            try
            {
                connection = await socket.Listener.AcceptAsync(acceptSwitch);
            }
            catch (OperationCanceledException) when (acceptSwitch.IsCancellationRequested)
            {
                continue;
            }
            catch (Exception ex)
            {
                Log.AcceptFailed(_logger, Name, socket.EndPoint, ex);
                return;
            }

            if (connection is null)
            {
                return; // The socket was closed: the group stopped.
            }

            // A reload may have given the socket another limiter meanwhile (a use of the same kind): the newest counts.
            if (socket.Use is var current && !AcceptsDirectly(current))
            {
                use = current;
            }
            if ((use?.Limiter ?? Limiter) is { } limiter)
            {
                if (limiter.TryAcquire() is not { } slot)
                {
                    Log.OverConnectionLimit(_logger, Name, limiter.MaxConnections);
                    Close(connection);
                    continue;
                }
                connection.Features.Set(slot);
            }

            if (use?.SniffHttp ?? SniffHttp)
            {
                // Sniffing waits for the client; the loop goes straight back to accepting.
                _pending.Enter();
                _ = SniffAsync(connection, use?.Limiter ?? Limiter);
            }
            else
            {
                Dispatch(ListenerRole.Raw, connection);
            }
        }
    }

    /// <returns>False when the listening socket is closed or broken: the loop ends.</returns>
    private async Task<bool> AcceptDirectAsync(BoundSocket socket, SocketUse? use, CancellationToken acceptSwitch)
    {
        Socket accepted;
        try
        {
            accepted = await socket.Socket.AcceptAsync(acceptSwitch);
        }
        catch (OperationCanceledException) when (acceptSwitch.IsCancellationRequested)
        {
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true; // The client gave up while in the backlog.
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException { SocketErrorCode: SocketError.OperationAborted })
        {
            return false; // The socket was closed: the group stopped or the socket was removed.
        }
        catch (Exception ex)
        {
            Log.AcceptFailed(_logger, Name, socket.EndPoint, ex);
            return false;
        }

        // As Kestrel's socket transport sets it on the connections it accepts.
        accepted.NoDelay = true;
        if (socket.Use is var current && AcceptsDirectly(current))
        {
            use = current;
        }
        ConnectionSlot? slot = null;
        if ((use?.Limiter ?? Limiter) is { } limiter)
        {
            slot = limiter.TryAcquire();
            if (slot is null)
            {
                Log.OverConnectionLimit(_logger, Name, limiter.MaxConnections);
                accepted.Dispose();
                return true;
            }
        }
        _tcpHandler!.OnAccepted(accepted, socket.EndPoint, slot);
        return true;
    }

    private async Task SniffAsync(ConnectionContext connection, ListenerLimiter? limiter)
    {
        try
        {
            using var deadline = new CancellationTokenSource(_sniffTimeout, _timeProvider);
            using var stopping = _stoppingToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), deadline);
            var input = connection.Transport.Input;
            while (true)
            {
                var result = await input.ReadAsync(deadline.Token);
                var buffer = result.Buffer;
                var match = Http2Preface.Match(buffer);
                if (match != PrefaceMatch.Incomplete)
                {
                    // Nothing consumed and nothing examined: Kestrel's first read returns these bytes at once. Marking
                    // them examined would make that read wait for more bytes, which a client awaiting its answer never sends.
                    input.AdvanceTo(buffer.Start);
                    Dispatch(match == PrefaceMatch.Http2 ? ListenerRole.Http2 : ListenerRole.Http1, connection);
                    return;
                }

                // Nothing consumed, all examined: the next read waits for more bytes.
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    Log.ClosedBeforePreface(_logger, Name, connection.ConnectionId, buffer.Length);
                    await CloseAsync(connection);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stoppingToken.IsCancellationRequested)
        {
            await CloseAsync(connection);
        }
        catch (OperationCanceledException)
        {
            limiter?.Rejected(LimitKind.HeadersTimeout);
            Log.SniffTimedOut(_logger, Name, connection.ConnectionId, _sniffTimeout);
            await CloseAsync(connection);
        }
        catch (Exception ex)
        {
            // Typically the client reset the connection.
            Log.SniffFailed(_logger, Name, connection.ConnectionId, ex);
            await CloseAsync(connection);
        }
        finally
        {
            _pending.Exit();
        }
    }

    private void Dispatch(ListenerRole role, ConnectionContext connection)
    {
        if (!Array.Find(_queues, q => q.Role == role)!.TryEnqueue(connection))
        {
            // The role's Kestrel endpoint is gone: the server is stopping.
            Log.NoEndpoint(_logger, Name, role, connection.ConnectionId);
            Close(connection);
        }
    }

    private void Close(ConnectionContext connection)
    {
        _pending.Enter();
        _ = CloseAndExitAsync(connection);
    }

    private async Task CloseAndExitAsync(ConnectionContext connection)
    {
        try
        {
            await CloseAsync(connection);
        }
        finally
        {
            _pending.Exit();
        }
    }

    private async Task CloseAsync(ConnectionContext connection)
    {
        connection.Features.Get<ConnectionSlot>()?.Release();
        try
        {
            connection.Abort(new ConnectionAbortedException($"Listener group '{Name}' closed the connection before handing it to Kestrel."));
            await connection.DisposeAsync();
        }
        catch (Exception ex)
        {
            Log.CloseFailed(_logger, Name, connection.ConnectionId, ex);
        }
    }

    private Task StopLocked()
    {
        if (_stopped is null)
        {
            _accepting = false;
            BoundSocket[] sockets = [.. _sockets];

            // Off the caller's thread: stopping waits on accept loops and sniffs, never under the lock.
            _stopped = Task.Run(() => StopAsync(sockets));
        }

        return _stopped;
    }

    private async Task StopAsync(BoundSocket[] sockets)
    {
        // Connections still sniffing are closed; they reached no endpoint yet.
        _stopping.Cancel();

        // Closing the listening sockets ends their accept loops; connections already handed to Kestrel go on.
        foreach (var socket in sockets)
        {
            await socket.Listener.UnbindAsync();
        }

        await Task.WhenAll(sockets.Select(s => s.AcceptLoop));

        // Connections sorted into a role whose endpoint was never bound.
        foreach (var queue in _queues)
        {
            foreach (var connection in queue.Close())
            {
                Close(connection);
            }
        }

        await _pending.DrainAsync();
        Log.Stopped(_logger, Name, sockets.Length);
    }

    private void ThrowIfStopped()
    {
        if (_stopped is not null)
        {
            throw StoppedException();
        }
    }

    private InvalidOperationException StoppedException() =>
        new($"Listener group '{Name}' has stopped: its server shut down or the group was disposed; it takes no more sockets.");
}
