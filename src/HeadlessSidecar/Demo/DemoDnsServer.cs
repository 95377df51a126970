using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Demo;

/// <summary>
/// The demo's cluster DNS: serves one <see cref="DemoZone"/> over UDP and TCP on the same port, as CoreDNS does.
/// The zone is an immutable snapshot swapped by <see cref="Update"/>; each query reads whichever is current.
/// </summary>
internal sealed partial class DemoDnsServer : IAsyncDisposable
{
    /// <summary>RFC 7766 §6.2.3 asks for seconds, not minutes: a demo client holds no connection open for long.</summary>
    public static readonly TimeSpan DefaultTcpIdleTimeout = TimeSpan.FromSeconds(10);

    // Queries are a few hundred octets at most; a larger one is either padding or an attack.
    private const int MaxRequest = 4096;
    private const int MaxTcpConnections = 64;
    private const int BindAttempts = 10;

    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly DemoDnsResponder _responder;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _tcpIdleTimeout;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private DemoZone _zone;
    private Task _udpLoop = Task.CompletedTask;
    private Task _tcpLoop = Task.CompletedTask;
    private int _disposed;

    private DemoDnsServer(Socket udp, Socket tcp, DemoZone zone, ILogger logger, TimeProvider timeProvider, TimeSpan tcpIdleTimeout)
    {
        _udp = udp;
        _tcp = tcp;
        _zone = zone;
        _logger = logger;
        _timeProvider = timeProvider;
        _tcpIdleTimeout = tcpIdleTimeout;
        _responder = new DemoDnsResponder(logger);
        EndPoint = (IPEndPoint)udp.LocalEndPoint!;
    }

    /// <summary>The bound address and port, the same for UDP and TCP.</summary>
    public IPEndPoint EndPoint { get; }

    public DemoZone Zone => Volatile.Read(ref _zone);

    /// <summary>Binds UDP and TCP on <paramref name="bind"/> (port 0: one free port for both) and starts answering.</summary>
    /// <param name="cancellationToken">Cancels the start only; <see cref="DisposeAsync"/> stops the server.</param>
    public static Task<DemoDnsServer> StartAsync(IPEndPoint bind, DemoZone zone, ILogger logger, CancellationToken cancellationToken) =>
        StartAsync(bind, zone, logger, TimeProvider.System, DefaultTcpIdleTimeout, cancellationToken);

    internal static Task<DemoDnsServer> StartAsync(
        IPEndPoint bind,
        DemoZone zone,
        ILogger logger,
        TimeProvider timeProvider,
        TimeSpan tcpIdleTimeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tcpIdleTimeout, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        var (udp, tcp) = Bind(bind);
        var server = new DemoDnsServer(udp, tcp, zone, logger, timeProvider, tcpIdleTimeout);
        server._udpLoop = server.RunUdpAsync();
        server._tcpLoop = server.RunTcpAcceptAsync();
        Log.Started(logger, server.EndPoint, zone);
        return Task.FromResult(server);
    }

    /// <summary>Serves <paramref name="zone"/> from the next query on; a query already being answered keeps the old one.</summary>
    public void Update(DemoZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        Interlocked.Exchange(ref _zone, zone);
        Log.ZoneUpdated(_logger, zone);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _udp.Dispose();
        _tcp.Dispose();
        await Task.WhenAll([_udpLoop, _tcpLoop, .. _connections.Keys]);
        _stopping.Dispose();
        Log.Stopped(_logger, EndPoint);
    }

    private static (Socket Udp, Socket Tcp) Bind(IPEndPoint bind)
    {
        // Port 0 gives UDP a free port that TCP may not get; another free port is the cure.
        for (var attempt = 1; ; attempt++)
        {
            var udp = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            var tcp = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (bind.Address.Equals(IPAddress.IPv6Any))
                {
                    udp.DualMode = true;
                    tcp.DualMode = true;
                }

                udp.Bind(bind);
                tcp.Bind(new IPEndPoint(bind.Address, ((IPEndPoint)udp.LocalEndPoint!).Port));
                tcp.Listen();
                return (udp, tcp);
            }
            catch (SocketException ex) when (bind.Port == 0 && attempt < BindAttempts && ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                udp.Dispose();
                tcp.Dispose();
            }
            catch
            {
                udp.Dispose();
                tcp.Dispose();
                throw;
            }
        }
    }

    private async Task RunUdpAsync()
    {
        var request = ArrayPool<byte>.Shared.Rent(MaxRequest);
        var response = ArrayPool<byte>.Shared.Rent(DemoDnsResponder.MaxUdpPayload);
        var remote = new SocketAddress(_udp.AddressFamily);
        try
        {
            while (true)
            {
                int received;
                try
                {
                    received = await _udp.ReceiveFromAsync(request.AsMemory(0, MaxRequest), SocketFlags.None, remote, _stopping.Token);
                }
                catch (SocketException ex) when (IsTransient(ex.SocketErrorCode))
                {
                    Log.UdpTransientError(_logger, ex.SocketErrorCode);
                    continue;
                }

                var length = Answer(request.AsSpan(0, received), response, overTcp: false);
                if (length == 0)
                {
                    continue;
                }

                try
                {
                    await _udp.SendToAsync(response.AsMemory(0, length), SocketFlags.None, remote, _stopping.Token);
                }
                catch (SocketException ex) when (IsTransient(ex.SocketErrorCode))
                {
                    Log.UdpTransientError(_logger, ex.SocketErrorCode);
                }
            }
        }
        catch (Exception ex) when (_stopping.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, "UDP", ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(request);
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    private async Task RunTcpAcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await _tcp.AcceptAsync(_stopping.Token);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
                {
                    // The client gave up before we accepted: its problem, not the listener's.
                    continue;
                }

                if (_connections.Count >= MaxTcpConnections)
                {
                    Log.TcpConnectionRefused(_logger, MaxTcpConnections);
                    client.Dispose();
                    continue;
                }

                client.NoDelay = true;
                var connection = HandleTcpAsync(client);
                _connections.TryAdd(connection, 0);

                // Added first, removed by the continuation: it runs at once if the connection has already ended.
                _ = connection.ContinueWith(
                    static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _),
                    _connections,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
        catch (Exception ex) when (_stopping.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, "TCP", ex);
        }
    }

    /// <summary>RFC 7766 framing: each message behind a 2-octet length, any number of them per connection, answered in order.</summary>
    private async Task HandleTcpAsync(Socket client)
    {
        var request = ArrayPool<byte>.Shared.Rent(MaxRequest);
        var response = ArrayPool<byte>.Shared.Rent(2 + DemoDnsResponder.MaxTcpMessage);
        var stream = new NetworkStream(client, ownsSocket: true);
        using var idle = new CancellationTokenSource(_tcpIdleTimeout, _timeProvider);
        using var stopping = _stopping.Token.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), idle);
        try
        {
            while (true)
            {
                if (await stream.ReadAtLeastAsync(request.AsMemory(0, 2), 2, throwOnEndOfStream: false, idle.Token) < 2)
                {
                    return;
                }

                var length = BinaryPrimitives.ReadUInt16BigEndian(request);
                if (length > MaxRequest)
                {
                    Log.TcpMessageTooLarge(_logger, length);
                    return;
                }

                await stream.ReadExactlyAsync(request.AsMemory(0, length), idle.Token);

                // Restarted before the answer leaves, so that the client, once it has the answer, knows the clock runs.
                idle.CancelAfter(_tcpIdleTimeout);
                var written = Answer(request.AsSpan(0, length), response.AsSpan(2), overTcp: true);
                if (written == 0)
                {
                    continue;
                }

                BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)written);
                await stream.WriteAsync(response.AsMemory(0, 2 + written), idle.Token);
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested)
        {
            if (!_stopping.IsCancellationRequested)
            {
                Log.TcpIdleTimeout(_logger, _tcpIdleTimeout);
            }
        }
        catch (IOException ex)
        {
            Log.TcpConnectionFailed(_logger, ex.Message);
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, "TCP connection", ex);
        }
        finally
        {
            await stream.DisposeAsync();
            ArrayPool<byte>.Shared.Return(request);
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    /// <summary>A bug in the zone or the writer costs one answer, never the receive loop.</summary>
    private int Answer(ReadOnlySpan<byte> request, Span<byte> response, bool overTcp)
    {
        try
        {
            return _responder.Respond(request, response, Zone, overTcp);
        }
        catch (Exception ex)
        {
            Log.AnswerFailed(_logger, ex);
            return 0;
        }
    }

    /// <summary>Errors about one peer (ICMP unreachable on Windows, an oversized datagram) that say nothing about our socket.</summary>
    private static bool IsTransient(SocketError error) => error is SocketError.ConnectionReset
        or SocketError.MessageSize
        or SocketError.NoBufferSpaceAvailable
        or SocketError.HostUnreachable
        or SocketError.NetworkUnreachable
        or SocketError.ConnectionRefused;
}
