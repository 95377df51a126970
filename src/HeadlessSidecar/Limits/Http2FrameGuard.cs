using System.Buffers;
using System.IO.Pipelines;

namespace HeadlessSidecar.Limits;

/// <summary>
/// The input of one app HTTP/2 connection, read frame header by frame header on its way to Kestrel, to end floods
/// Kestrel lets run: SETTINGS and PING frames each make Kestrel queue an answer, and a client that sends them at
/// full speed without reading had Kestrel parse megabytes of them before its output filled (other clients waited
/// up to 2.8 s meanwhile); empty CONTINUATION or DATA frames cost work and carry nothing. Past a budget the
/// connection's input ends at the offending frame (Kestrel never parses the rest) and the connection is closed.
/// Budgets are Envoy's in spirit: honest clients send a handful of these.
/// </summary>
internal sealed class Http2FrameGuard : PipeReader
{
    /// <summary>SETTINGS and PING frames (not ACKs) allowed per connection per second.</summary>
    public const int MaxAnsweredFramesPerSecond = 1000;

    /// <summary>Empty frames in a row (Envoy allows 1; HTTP/2 clients send an empty DATA with END_STREAM, never runs).</summary>
    public const int MaxConsecutiveEmptyFrames = 100;

    private const int FrameHeaderLength = 9;
    private const int PrefaceLength = 24;

    private readonly PipeReader _inner;
    private readonly TimeProvider _time;
    private readonly Action<string> _onViolation;
    private ReadOnlySequence<byte> _lastBuffer;
    private long _consumedTotal;
    private readonly byte[] _header = new byte[FrameHeaderLength];
    private int _headerFilled;
    private long _skip = PrefaceLength;
    private long _scannedTotal;
    private long _frameStart;
    private long _windowStart;
    private int _answeredInWindow;
    private int _consecutiveEmpty;
    private long _cutAt = -1;

    public Http2FrameGuard(PipeReader inner, TimeProvider time, Action<string> onViolation)
    {
        _inner = inner;
        _time = time;
        _onViolation = onViolation;
        _windowStart = time.GetTimestamp();
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await _inner.ReadAsync(cancellationToken);
        return Inspect(result);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!_inner.TryRead(out var inner))
        {
            result = default;
            return false;
        }
        result = Inspect(inner);
        return true;
    }

    private ReadResult Inspect(ReadResult result)
    {
        var buffer = result.Buffer;
        _lastBuffer = buffer;
        if (_cutAt < 0)
        {
            Scan(buffer);
        }
        if (_cutAt >= 0)
        {
            // Kestrel gets the frames before the offending one and then the end of input.
            var keep = Math.Max(0, _cutAt - _consumedTotal);
            _lastBuffer = buffer.Slice(0, Math.Min(keep, buffer.Length));
            return new ReadResult(_lastBuffer, isCanceled: false, isCompleted: true);
        }
        return result;
    }

    /// <summary>Reads the frame headers among the bytes not scanned yet. Kestrel consumes whatever it reads, so a
    /// header split across reads is kept here, not looked for again in the pipe.</summary>
    private void Scan(ReadOnlySequence<byte> buffer)
    {
        var fresh = buffer.Slice(_scannedTotal - _consumedTotal);
        foreach (var memory in fresh)
        {
            var span = memory.Span;
            while (span.Length > 0)
            {
                if (_skip > 0)
                {
                    var skipped = (int)Math.Min(_skip, span.Length);
                    _skip -= skipped;
                    _scannedTotal += skipped;
                    span = span[skipped..];
                    continue;
                }
                if (_headerFilled == 0)
                {
                    _frameStart = _scannedTotal;
                }
                var taken = Math.Min(FrameHeaderLength - _headerFilled, span.Length);
                span[..taken].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += taken;
                _scannedTotal += taken;
                span = span[taken..];
                if (_headerFilled < FrameHeaderLength)
                {
                    continue;
                }
                _headerFilled = 0;
                var length = (_header[0] << 16) | (_header[1] << 8) | _header[2];
                if (Violates(_header[3], _header[4], length) is { } violation)
                {
                    _cutAt = Math.Max(_frameStart, _consumedTotal);
                    _onViolation(violation);
                    return;
                }
                _skip = length;
            }
        }
    }

    private string? Violates(byte type, byte flags, int length)
    {
        const byte Data = 0x0, Headers = 0x1, Settings = 0x4, Ping = 0x6, Continuation = 0x9, Ack = 0x1;
        if (type is Settings or Ping && (flags & Ack) == 0)
        {
            var now = _time.GetTimestamp();
            if (_time.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _answeredInWindow = 0;
            }
            if (++_answeredInWindow > MaxAnsweredFramesPerSecond)
            {
                return $"more than {MaxAnsweredFramesPerSecond} SETTINGS and PING frames in a second";
            }
        }
        if (type is Data or Headers or Continuation)
        {
            _consecutiveEmpty = length == 0 ? _consecutiveEmpty + 1 : 0;
            if (_consecutiveEmpty > MaxConsecutiveEmptyFrames)
            {
                return $"more than {MaxConsecutiveEmptyFrames} empty DATA, HEADERS or CONTINUATION frames in a row";
            }
        }
        return null;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _consumedTotal += _lastBuffer.Slice(_lastBuffer.Start, consumed).Length;
        _lastBuffer = default;
        _inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);
}
