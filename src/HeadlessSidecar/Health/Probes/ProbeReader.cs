namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// A buffered reader over a probe's connection with a fixed buffer: lines and fields longer than the
/// caller's limit, and an early end of stream, throw <see cref="ProbeProtocolException"/> instead of growing.
/// </summary>
internal sealed class ProbeReader
{
    public const int DefaultBufferSize = 8192;

    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    public ProbeReader(Stream stream, int bufferSize = DefaultBufferSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 16);
        _stream = stream;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Bytes received beyond what was read so far.</summary>
    public int Buffered => _end - _start;

    public async ValueTask<byte> ReadByteAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            await FillAsync(cancellationToken);
        }

        return _buffer[_start++];
    }

    /// <summary>Fills <paramref name="destination"/> completely.</summary>
    public async ValueTask ReadExactAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (!destination.IsEmpty)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken);
            }

            var count = Math.Min(destination.Length, _end - _start);
            _buffer.AsMemory(_start, count).CopyTo(destination);
            _start += count;
            destination = destination[count..];
        }
    }

    /// <summary>Discards <paramref name="count"/> bytes.</summary>
    public async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken);
            }

            var skipped = (int)Math.Min(count, _end - _start);
            _start += skipped;
            count -= skipped;
        }
    }

    /// <summary>
    /// Reads a line ended by CRLF (strict: a bare LF is an error) of at most <paramref name="maxLength"/>
    /// bytes, without its CRLF. The span stays valid until the next read.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadCrlfLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, _buffer.Length - 2);
        var scanned = 0;
        while (true)
        {
            var available = _buffer.AsSpan(_start + scanned, _end - _start - scanned);
            var newline = available.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var lineEnd = _start + scanned + newline;
                if (lineEnd == _start || _buffer[lineEnd - 1] != (byte)'\r')
                {
                    throw new ProbeProtocolException("line not ended by CRLF");
                }

                var line = _buffer.AsMemory(_start, lineEnd - 1 - _start);
                if (line.Length > maxLength)
                {
                    throw new ProbeProtocolException($"line longer than {maxLength} bytes");
                }

                _start = lineEnd + 1;
                return line;
            }

            scanned = _end - _start;
            if (scanned > maxLength + 1)
            {
                throw new ProbeProtocolException($"line longer than {maxLength} bytes");
            }

            await FillAsync(cancellationToken);
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            throw new ProbeProtocolException("connection closed before the answer was complete");
        }

        _end += read;
    }
}
