using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// Buffers a request body of up to <c>Retry:MaxReplayBodyBytes</c> so a retry can send it again. A larger
/// body is passed through unbuffered (the bytes already read are put back in front of the rest) and is not
/// replayable once sent.
/// </summary>
internal sealed class ReplayableBody : IDisposable
{
    private byte[]? _buffer;
    private int _length;

    private ReplayableBody()
    {
    }

    public bool CanReplay { get; private set; }

    public static async Task<ReplayableBody> CaptureAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var body = new ReplayableBody();
        if (request.ContentLength is long declared && declared > maxBytes)
        {
            return body;
        }
        var limit = (int)Math.Min(request.ContentLength ?? (long)maxBytes + 1, (long)maxBytes + 1);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(limit, 1));
        var length = 0;
        while (length < limit)
        {
            var read = await request.Body.ReadAsync(buffer.AsMemory(length, limit - length), cancellationToken);
            if (read == 0)
            {
                break;
            }
            length += read;
        }
        body._buffer = buffer;
        body._length = length;
        if (length <= maxBytes)
        {
            body.CanReplay = true;
            request.Body = new MemoryStream(buffer, 0, length, writable: false);
        }
        else
        {
            // Larger than the replay buffer: what was read goes first, the rest streams from the app.
            request.Body = new PrefixedStream(new MemoryStream(buffer, 0, length, writable: false), request.Body);
        }
        return body;
    }

    /// <summary>Rewinds the buffered body for the next attempt.</summary>
    public void Rewind(HttpRequest request)
    {
        if (CanReplay && _buffer is not null)
        {
            request.Body = new MemoryStream(_buffer, 0, _length, writable: false);
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private sealed class PrefixedStream(Stream prefix, Stream rest) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await prefix.ReadAsync(buffer, cancellationToken);
            return read > 0 ? read : await rest.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = prefix.Read(buffer, offset, count);
            return read > 0 ? read : rest.Read(buffer, offset, count);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
