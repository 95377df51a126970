using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Runtime;
using Microsoft.AspNetCore.Connections;

namespace HeadlessSidecar.Tcp;

/// <summary>
/// One app connection spliced to its own upstream socket: bytes are copied both ways with the pipes' backpressure
/// and no per-chunk allocation, and each side's end of stream is passed on as a half-close.
/// </summary>
/// <remarks>
/// Never cancelled by <c>ConnectionContext.ConnectionClosed</c>: Kestrel fires it on the app's half-close, and a
/// half-closed protocol would lose its answer. Kestrel closes the app socket entirely once the app's output is
/// completed, so an upstream end of stream ends the session from the app's side too.
/// </remarks>
internal sealed class TcpSession : IDisposable
{
    public const string IdleTimeoutReason = "idle_timeout";
    public const string RemovedPodReason = "removed_pod";
    public const string ResetReason = "reset";

    // Receives from the pod go straight into the app's pipe; asking for more than a pool block makes fewer, larger reads.
    private const int ReceiveSizeHint = 64 * 1024;
    private const int SendCoalesceSize = 64 * 1024;
    private const long MetricsBatchBytes = 1024 * 1024;

    private readonly ConnectionContext _app;
    private readonly Socket _upstream;
    // With Tls the bytes go through this stream over _upstream; null (plaintext) keeps the socket calls.
    private readonly Stream? _tls;
    private readonly PodState _pod;
    private readonly string _service;
    private readonly TcpMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _idleTimeout;
    private readonly TimeSpan? _removedPodGrace;
    private readonly CancellationTokenSource _end;
    private ITimer? _idleTimer;
    private ITimer? _graceTimer;
    private CancellationTokenRegistration _goneRegistration;
    private long _lastActivity;
    private long _bytesUpstream;
    private long _bytesDownstream;
    private string? _endReason;

    public TcpSession(ConnectionContext app, Socket upstream, string service, PodState pod, TimeSpan? idleTimeout, TimeSpan? removedPodGrace,
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
        _end = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
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

        var token = _end.Token;
        var toUpstream = AppToUpstreamAsync(token);
        var toApp = UpstreamToAppAsync(token);
        await Task.WhenAll(toUpstream, toApp);
    }

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
            try
            {
                _end.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivity, _time.GetTimestamp());

    private async Task AppToUpstreamAsync(CancellationToken token)
    {
        var input = _app.Transport.Input;
        byte[]? coalesce = null;
        long pending = 0;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(token);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    if (buffer.IsSingleSegment)
                    {
                        if (_tls is null)
                        {
                            await _upstream.SendAsync(buffer.First, SocketFlags.None, token);
                        }
                        else
                        {
                            await _tls.WriteAsync(buffer.First, token);
                        }
                    }
                    else
                    {
                        // Kestrel's input is a chain of small blocks: one send per 64 KiB rather than one per block.
                        coalesce ??= ArrayPool<byte>.Shared.Rent(SendCoalesceSize);
                        var rest = buffer;
                        while (!rest.IsEmpty)
                        {
                            var chunk = rest.Slice(0, Math.Min(rest.Length, coalesce.Length));
                            chunk.CopyTo(coalesce);
                            if (_tls is null)
                            {
                                await _upstream.SendAsync(coalesce.AsMemory(0, (int)chunk.Length), SocketFlags.None, token);
                            }
                            else
                            {
                                await _tls.WriteAsync(coalesce.AsMemory(0, (int)chunk.Length), token);
                            }
                            rest = rest.Slice(chunk.End);
                        }
                    }
                    Interlocked.Add(ref _bytesUpstream, buffer.Length);
                    pending += buffer.Length;
                    Touch();
                    if (pending >= MetricsBatchBytes)
                    {
                        _metrics.Bytes(_service, _pod.Name, upstream: pending, downstream: 0);
                        pending = 0;
                    }
                }
                input.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    // The app finished sending: pass the half-close on and keep reading the pod's answer (over TLS,
                    // close_notify first: a TLS server takes a bare FIN for a truncation).
                    if (_tls is SslStream ssl)
                    {
                        await ssl.ShutdownAsync();
                    }
                    _upstream.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or ConnectionResetException or ConnectionAbortedException)
        {
            End(ResetReason);
        }
        finally
        {
            if (coalesce is not null)
            {
                ArrayPool<byte>.Shared.Return(coalesce);
            }
            _metrics.Bytes(_service, _pod.Name, upstream: pending, downstream: 0);
        }
    }

    private async Task UpstreamToAppAsync(CancellationToken token)
    {
        var output = _app.Transport.Output;
        long pending = 0;
        try
        {
            while (true)
            {
                var memory = output.GetMemory(ReceiveSizeHint);
                var read = _tls is null
                    ? await _upstream.ReceiveAsync(memory, SocketFlags.None, token)
                    : await _tls.ReadAsync(memory, token);
                if (read == 0)
                {
                    // The pod finished sending: the app sees the end of stream.
                    await output.CompleteAsync();
                    return;
                }
                output.Advance(read);
                Interlocked.Add(ref _bytesDownstream, read);
                pending += read;
                Touch();
                if (pending >= MetricsBatchBytes)
                {
                    _metrics.Bytes(_service, _pod.Name, upstream: 0, downstream: pending);
                    pending = 0;
                }
                var flush = await output.FlushAsync(token);
                if (flush.IsCompleted)
                {
                    // The app's side is gone: nobody reads the rest.
                    End(ResetReason);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or ConnectionResetException or ConnectionAbortedException)
        {
            End(ResetReason);
        }
        finally
        {
            _metrics.Bytes(_service, _pod.Name, upstream: 0, downstream: pending);
        }
    }

    public void Dispose()
    {
        _goneRegistration.Dispose();
        _idleTimer?.Dispose();
        Volatile.Read(ref _graceTimer)?.Dispose();
        _end.Dispose();
    }
}
