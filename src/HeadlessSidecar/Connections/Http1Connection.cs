using System.Buffers;
using System.Net.Sockets;
using HeadlessSidecar.Forwarding.Http1;

namespace HeadlessSidecar.Connections;

/// <summary>
/// One upstream HTTP/1.1 connection of the lean forwarder, with the buffers it keeps while it lives: bytes
/// read but not used yet (<see cref="Buffer"/> from <see cref="Start"/> to <see cref="End"/>), the request head
/// being written, and the parsed header ranges.
/// </summary>
internal sealed class Http1Connection : IDisposable
{
    public const int BufferSize = 16 * 1024;

    private int _disposed;

    public Http1Connection(Socket socket, Stream stream)
    {
        Socket = socket;
        Stream = stream;
        Buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    public Socket Socket { get; }

    public Stream Stream { get; }

    public byte[] Buffer { get; private set; }

    public int Start { get; set; }

    public int End { get; set; }

    public int Buffered => End - Start;

    public ArrayBufferWriter<byte> Output { get; } = new(4096);

    public Http1HeaderRange[] Headers { get; } = new Http1HeaderRange[Http1ResponseParser.MaxHeaders];

    /// <summary>When it went back to the pool (a <see cref="TimeProvider.GetTimestamp"/> of the pool's clock).</summary>
    public long IdleSince { get; set; }

    /// <summary>The TLS material generation it was made with (0 for plaintext).</summary>
    public long Generation { get; init; }

    /// <summary>It served a request before this one (a stale keep-alive connection is possible).</summary>
    public bool Reused { get; set; }

    /// <summary>
    /// Gives the read buffer back to the shared pool while the connection sits idle: after a burst of h2c streams
    /// (one upstream connection each) the pool may keep hundreds of idle connections until <c>Pool:IdleTimeout</c>,
    /// and each would otherwise hold 16 KiB it does not use. <see cref="EnsureBuffer"/> takes one again.
    /// </summary>
    public void ReleaseBuffer()
    {
        if (Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = [];
        }
        Start = 0;
        End = 0;
    }

    /// <summary>A read buffer for the next exchange (after <see cref="ReleaseBuffer"/>).</summary>
    public void EnsureBuffer()
    {
        if (Buffer.Length == 0 && Volatile.Read(ref _disposed) == 0)
        {
            Buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        }
    }

    /// <summary>Moves buffered bytes to the front, and grows the buffer when it is full (a large response head).</summary>
    public void MakeRoom(int maxSize)
    {
        if (Start > 0)
        {
            Buffer.AsSpan(Start, Buffered).CopyTo(Buffer);
            End -= Start;
            Start = 0;
        }
        if (End == Buffer.Length && Buffer.Length < maxSize)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(Buffer.Length * 2, maxSize));
            Buffer.AsSpan(0, End).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = larger;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Stream.Dispose();
        if (Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
        Buffer = [];
    }
}
