namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>
/// Decodes a chunked body incrementally, byte boundaries anywhere. Chunk sizes are hex with an overflow check;
/// extensions are skipped (bounded); trailers are read and dropped (bounded); framing lines end in CRLF.
/// </summary>
internal struct Http1ChunkedDecoder
{
    private const int MaxLineBytes = 4096;
    private const int MaxTrailerBytes = Http1ResponseParser.MaxHeadBytes;

    private State _state;
    private long _remaining;
    private int _digits;
    private int _lineBytes;
    private int _trailerBytes;

    private enum State
    {
        Size,
        Extension,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        TrailerStart,
        TrailerLine,
        TrailerLf,
        FinalLf,
        Done,
    }

    public readonly bool IsDone => _state == State.Done;

    /// <summary>
    /// Consumes framing from <paramref name="input"/> until it finds data (<see cref="Http1ParseStatus.Data"/>,
    /// the data at <paramref name="dataOffset"/>), the end of the body (<see cref="Http1ParseStatus.Complete"/>),
    /// runs out of input (<see cref="Http1ParseStatus.Incomplete"/>) or meets invalid framing.
    /// <paramref name="consumed"/> counts every byte used, data included.
    /// </summary>
    public Http1ParseStatus Decode(ReadOnlySpan<byte> input, out int consumed, out int dataOffset, out int dataLength)
    {
        dataOffset = 0;
        dataLength = 0;
        var i = 0;
        while (i < input.Length && _state != State.Done)
        {
            if (_state == State.Data)
            {
                var take = (int)Math.Min(_remaining, input.Length - i);
                dataOffset = i;
                dataLength = take;
                _remaining -= take;
                i += take;
                if (_remaining == 0)
                {
                    _state = State.DataCr;
                }
                consumed = i;
                return Http1ParseStatus.Data;
            }
            if (!Step(input[i]))
            {
                consumed = i;
                return Http1ParseStatus.Invalid;
            }
            i++;
        }
        consumed = i;
        return _state == State.Done ? Http1ParseStatus.Complete : Http1ParseStatus.Incomplete;
    }

    private bool Step(byte b)
    {
        switch (_state)
        {
            case State.Size:
                var hex = HexValue(b);
                if (hex >= 0)
                {
                    if (_remaining > long.MaxValue >> 4)
                    {
                        return false;
                    }
                    _remaining = (_remaining << 4) | (uint)hex;
                    _digits++;
                    return ++_lineBytes <= MaxLineBytes;
                }
                if (_digits == 0)
                {
                    return false;
                }
                if (b == (byte)'\r')
                {
                    _state = State.SizeLf;
                    return true;
                }
                if (b == (byte)';' || Http1Syntax.IsWhitespace(b))
                {
                    _state = State.Extension;
                    return ++_lineBytes <= MaxLineBytes;
                }
                return false;
            case State.Extension:
                if (b == (byte)'\r')
                {
                    _state = State.SizeLf;
                    return true;
                }
                return (b >= 0x20 && b != 0x7F || b == (byte)'\t') && ++_lineBytes <= MaxLineBytes;
            case State.SizeLf:
                if (b != (byte)'\n')
                {
                    return false;
                }
                _lineBytes = 0;
                _digits = 0;
                _state = _remaining == 0 ? State.TrailerStart : State.Data;
                return true;
            case State.DataCr:
                _state = State.DataLf;
                return b == (byte)'\r';
            case State.DataLf:
                _state = State.Size;
                return b == (byte)'\n';
            case State.TrailerStart:
                if (b == (byte)'\r')
                {
                    _state = State.FinalLf;
                    return true;
                }
                _state = State.TrailerLine;
                return b != (byte)'\n' && ++_trailerBytes <= MaxTrailerBytes;
            case State.TrailerLine:
                if (b == (byte)'\r')
                {
                    _state = State.TrailerLf;
                    return true;
                }
                return b != (byte)'\n' && ++_trailerBytes <= MaxTrailerBytes;
            case State.TrailerLf:
                _state = State.TrailerStart;
                return b == (byte)'\n';
            case State.FinalLf:
                _state = State.Done;
                return b == (byte)'\n';
            default:
                return false;
        }
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
