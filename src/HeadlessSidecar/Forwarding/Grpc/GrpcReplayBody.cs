using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Forwarding.Grpc;

/// <summary>
/// Records a gRPC request body as it streams to the pod, up to <c>Retry:MaxReplayBodyBytes</c>, so an answer
/// listed in <c>Retry:OnGrpcStatus</c> can be retried: a retry replays what was recorded, then reads on from the
/// app. Nothing is held back before sending (a duplex call waiting for its first answer would stall); a body that
/// outgrows the limit is no longer replayable.
/// </summary>
internal sealed class GrpcReplayBody : Stream
{
    private readonly Stream _inner;
    private readonly int _maxBytes;
    private byte[]? _recorded = [];
    private int _length;
    private int _position;

    private GrpcReplayBody(Stream inner, int maxBytes)
    {
        _inner = inner;
        _maxBytes = maxBytes;
    }

    /// <summary>Puts a recorder in front of the request body.</summary>
    public static GrpcReplayBody Attach(HttpRequest request, int maxBytes)
    {
        var body = new GrpcReplayBody(request.Body, maxBytes);
        request.Body = body;
        return body;
    }

    /// <summary>Whether every byte read so far was recorded.</summary>
    public bool CanReplay => _recorded is not null;

    /// <summary>The next attempt starts from the first byte again.</summary>
    public void Rewind() => _position = 0;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_recorded is not null && _position < _length)
        {
            var count = Math.Min(buffer.Length, _length - _position);
            _recorded.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        Record(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Kestrel's request bodies are read asynchronously only; so is this one.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Record(ReadOnlySpan<byte> bytes)
    {
        if (_recorded is null || bytes.IsEmpty)
        {
            return;
        }
        if (_length + bytes.Length > _maxBytes)
        {
            _recorded = null;
            return;
        }
        if (_length + bytes.Length > _recorded.Length)
        {
            Array.Resize(ref _recorded, Math.Min(_maxBytes, Math.Max(_length + bytes.Length, _recorded.Length * 2 + 256)));
        }
        bytes.CopyTo(_recorded.AsSpan(_length));
        _length += bytes.Length;
        _position = _length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
