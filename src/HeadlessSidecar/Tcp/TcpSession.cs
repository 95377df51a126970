using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using HeadlessSidecar.Limits;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Tcp;

/// <summary>
/// One app connection spliced to its own upstream connection: bytes are copied both ways through one pooled buffer per
/// direction, socket to socket (or through the TLS stream to the pod), and the app's end of stream is passed on to the
/// pod as a half-close. The pod's end of stream ends the session: the app sees its end of stream and the connection closes.
/// </summary>
/// <remarks>
/// The session ends by shutting the sockets down rather than cancelling the reads: a pending receive then returns the
/// end of stream, and a session ending normally throws nothing (an exception per connection cost more than the rest of
/// the session's managed work, issue 17). The caller disposes the sockets and the TLS stream after <see cref="RunAsync"/>.
/// </remarks>
internal sealed class TcpSession : IAbortableConnection, IDisposable
{
    public const string IdleTimeoutReason = "idle_timeout";
    public const string RemovedPodReason = "removed_pod";
    public const string ResetReason = "reset";

    // Small exchanges fit the first buffer; a read that fills it moves that direction to a larger one (fewer
    // syscalls per megabyte on bulk transfers).
    private const int InitialBufferSize = 16 * 1024;
    private const int BulkBufferSize = 64 * 1024;
    private const long MetricsBatchBytes = 1024 * 1024;

    private readonly Socket _app;
    private readonly Socket _upstream;
    // With Tls the bytes go through this stream over _upstream; null (plaintext) keeps the socket calls.
    private readonly Stream? _tls;
    private readonly PodState _pod;
    private readonly string _service;
    private readonly TcpMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _idleTimeout;
    private readonly TimeSpan? _removedPodGrace;
    private ITimer? _idleTimer;
    private ITimer? _graceTimer;
    private CancellationTokenRegistration _goneRegistration;
    private long _lastActivity;
    private long _bytesUpstream;
    private long _bytesDownstream;
    private string? _endReason;
    private int _podFinished;

    public TcpSession(Socket app, Socket upstream, string service, PodState pod, TimeSpan? idleTimeout, TimeSpan? removedPodGrace,
        TcpMetrics metrics, TimeProvider time, Stream? tls = null)
    {
        _tls = tls;
        _app = app;
        _upstream = upstream;
        _service = service;
        _pod = pod;
        _idleTimeout = idleTimeout;
        _removedPodGrace = removedPodGrace;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Bytes from the app to the pod.</summary>
    public long BytesUpstream => Interlocked.Read(ref _bytesUpstream);

    /// <summary>Bytes from the pod to the app.</summary>
    public long BytesDownstream => Interlocked.Read(ref _bytesDownstream);

    /// <summary>Why the sidecar ended the session (<c>idle_timeout</c>, <c>removed_pod</c>, <c>reset</c>), or null when both sides ended it.</summary>
    public string? EndReason => Volatile.Read(ref _endReason);

    public async Task RunAsync()
    {
        _lastActivity = _time.GetTimestamp();
        if (_idleTimeout is { } idle)
        {
            _idleTimer = _time.CreateTimer(static state => ((TcpSession)state!).OnIdleCheck(), this, idle, Timeout.InfiniteTimeSpan);
        }
        if (_removedPodGrace is not null)
        {
            _goneRegistration = _pod.Gone.UnsafeRegister(static state => ((TcpSession)state!).OnPodGone(), this);
        }

        var toUpstream = AppToUpstreamAsync();
        var toApp = UpstreamToAppAsync();
        await toUpstream;
        await toApp;
    }

    /// <summary>The drain's or a reload's time is up: the session ends as if reset.</summary>
    public void Abort() => End(ResetReason);

    private void OnIdleCheck()
    {
        var idle = _idleTimeout!.Value;
        var quiet = _time.GetElapsedTime(Volatile.Read(ref _lastActivity));
        if (quiet >= idle)
        {
            End(IdleTimeoutReason);
        }
        else
        {
            _idleTimer?.Change(idle - quiet, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnPodGone()
    {
        var grace = _removedPodGrace!.Value;
        if (grace <= TimeSpan.Zero)
        {
            End(RemovedPodReason);
            return;
        }
        // The session may still end on its own within the grace period.
        Volatile.Write(ref _graceTimer, _time.CreateTimer(static state => ((TcpSession)state!).End(RemovedPodReason), this, grace, Timeout.InfiniteTimeSpan));
    }

    private void End(string reason)
    {
        if (Interlocked.CompareExchange(ref _endReason, reason, null) is null)
        {
            // Both copies see the end of stream (a pending send fails) and return.
            Shutdown(_app, SocketShutdown.Both);
            Shutdown(_upstream, SocketShutdown.Both);
        }
    }

    private static void Shutdown(Socket socket, SocketShutdown how)
    {
        try
        {
            socket.Shutdown(how);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already reset or closed: nothing left to end.
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivity, _time.GetTimestamp());

    private async Task AppToUpstreamAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        long pending = 0;
        try
        {
            while (true)
            {
                var read = await _app.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    if (Volatile.Read(ref _podFinished) == 0 && EndReason is null)
                    {
                        // The app finished sending: pass the half-close on and keep reading the pod's answer (over TLS,
                        // close_notify first: a TLS server takes a bare FIN for a truncation).
                        if (_tls is SslStream ssl)
                        {
                            await ssl.ShutdownAsync();
                        }
                        _upstream.Shutdown(SocketShutdown.Send);
                    }
                    return;
                }
                // Noted before passing the bytes on: whoever sees them has seen the session active.
                Touch();
                if (_tls is null)
                {
                    await _upstream.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                }
                else
                {
                    await _tls.WriteAsync(buffer.AsMemory(0, read));
                }
                Interlocked.Add(ref _bytesUpstream, read);
                pending += read;
                if (pending >= MetricsBatchBytes)
                {
                    _metrics.Bytes(_service, _pod.Name, upstream: pending, downstream: 0);
                    pending = 0;
                }
                if (read == buffer.Length && buffer.Length < BulkBufferSize)
                {
                    buffer = await GrowAsync(buffer);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            // The pod already finished: the app's side closing after it is no reset.
            if (Volatile.Read(ref _podFinished) == 0)
            {
                End(ResetReason);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _metrics.Bytes(_service, _pod.Name, upstream: pending, downstream: 0);
        }
    }

    private async Task UpstreamToAppAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        long pending = 0;
        try
        {
            while (true)
            {
                var read = _tls is null
                    ? await _upstream.ReceiveAsync(buffer, SocketFlags.None)
                    : await _tls.ReadAsync(buffer);
                if (read == 0)
                {
                    // The pod finished: the app sees the end of stream, and what it still sends has no reader (the
                    // other copy's pending receive returns the end of stream).
                    if (EndReason is null)
                    {
                        Volatile.Write(ref _podFinished, 1);
                        Shutdown(_app, SocketShutdown.Both);
                    }
                    return;
                }
                Touch();
                await _app.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                Interlocked.Add(ref _bytesDownstream, read);
                pending += read;
                if (pending >= MetricsBatchBytes)
                {
                    _metrics.Bytes(_service, _pod.Name, upstream: 0, downstream: pending);
                    pending = 0;
                }
                if (read == buffer.Length && buffer.Length < BulkBufferSize)
                {
                    buffer = await GrowAsync(buffer);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            End(ResetReason);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _metrics.Bytes(_service, _pod.Name, upstream: 0, downstream: pending);
        }
    }

    /// <summary>A read filled the first buffer: a bulk transfer, moved to a larger buffer and off the current thread.</summary>
    /// <remarks>
    /// A session starts on its listener's accept loop, and socket calls that find data complete synchronously: a bulk
    /// transfer would go on copying there and hold up the next connections. Small exchanges never get here, so the hop
    /// to the thread pool costs only the sessions that move a lot of data.
    /// </remarks>
    private static async ValueTask<byte[]> GrowAsync(byte[] buffer)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        var larger = ArrayPool<byte>.Shared.Rent(BulkBufferSize);
        await Task.Yield();
        return larger;
    }

    public void Dispose()
    {
        _goneRegistration.Dispose();
        _idleTimer?.Dispose();
        Volatile.Read(ref _graceTimer)?.Dispose();
    }
}
