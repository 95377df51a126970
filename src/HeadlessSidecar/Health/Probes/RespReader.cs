using System.Buffers.Text;
using System.Text;

namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// A strict RESP2 reader with bounds on every size: simple strings, errors, integers, bulk strings, arrays
/// (and their null forms). Anything else, or anything too large or too deep, throws <see cref="ProbeProtocolException"/>.
/// </summary>
internal sealed class RespReader
{
    public const int MaxLineLength = 4096;
    public const int MaxBulkLength = 64 * 1024;
    public const int MaxArrayLength = 1024;
    public const int MaxDepth = 4;

    // Bounds one reply as a whole, so that many maximal bulk strings in nested arrays cannot add up.
    public const int MaxReplyBytes = 256 * 1024;

    private const int ArrayElementCost = 16;

    private readonly ProbeReader _reader;
    private long _replyBytes;

    public RespReader(ProbeReader reader) => _reader = reader;

    public ValueTask<RespValue> ReadAsync(CancellationToken cancellationToken)
    {
        _replyBytes = 0;
        return ReadValueAsync(0, cancellationToken);
    }

    private async ValueTask<RespValue> ReadValueAsync(int depth, CancellationToken cancellationToken)
    {
        var line = await _reader.ReadCrlfLineAsync(MaxLineLength, cancellationToken);
        Count(line.Length + 2);
        if (line.IsEmpty)
        {
            throw new ProbeProtocolException("empty RESP line");
        }

        var type = line.Span[0];
        var body = line[1..];
        switch (type)
        {
            case (byte)'+':
                return new RespValue(RespKind.SimpleString, Decode(body.Span));
            case (byte)'-':
                return new RespValue(RespKind.Error, Decode(body.Span));
            case (byte)':':
                return new RespValue(RespKind.Integer, Integer: ParseInteger(body.Span));
            case (byte)'$':
                {
                    var length = ParseInteger(body.Span);
                    if (length == -1)
                    {
                        return RespValue.NullValue;
                    }

                    if (length is < 0 or > MaxBulkLength)
                    {
                        throw new ProbeProtocolException($"RESP bulk string length {length} out of range");
                    }

                    Count(length + 2);
                    var bytes = new byte[length + 2];
                    await _reader.ReadExactAsync(bytes, cancellationToken);
                    if (bytes[^2] != (byte)'\r' || bytes[^1] != (byte)'\n')
                    {
                        throw new ProbeProtocolException("RESP bulk string not ended by CRLF");
                    }

                    return new RespValue(RespKind.BulkString, Decode(bytes.AsSpan(0, (int)length)));
                }

            case (byte)'*':
                {
                    var count = ParseInteger(body.Span);
                    if (count == -1)
                    {
                        return RespValue.NullValue;
                    }

                    if (count is < 0 or > MaxArrayLength)
                    {
                        throw new ProbeProtocolException($"RESP array length {count} out of range");
                    }

                    if (depth >= MaxDepth)
                    {
                        throw new ProbeProtocolException($"RESP arrays nested deeper than {MaxDepth}");
                    }

                    // Charged before allocating, so that nested arrays that only declare many elements stay bounded too.
                    Count(count * ArrayElementCost);
                    var items = new RespValue[count];
                    for (var i = 0; i < items.Length; i++)
                    {
                        items[i] = await ReadValueAsync(depth + 1, cancellationToken);
                    }

                    return new RespValue(RespKind.Array, Items: items);
                }

            default:
                throw new ProbeProtocolException($"unexpected RESP type byte 0x{type:x2}");
        }
    }

    private void Count(long bytes)
    {
        _replyBytes += bytes;
        if (_replyBytes > MaxReplyBytes)
        {
            throw new ProbeProtocolException($"RESP reply larger than {MaxReplyBytes} bytes");
        }
    }

    private static long ParseInteger(ReadOnlySpan<byte> text)
    {
        if (!Utf8Parser.TryParse(text, out long value, out var consumed) || consumed != text.Length || text.IsEmpty || text[0] == (byte)'+')
        {
            throw new ProbeProtocolException("malformed RESP integer");
        }

        return value;
    }

    private static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Encodes a command as a RESP array of bulk strings.</summary>
    public static byte[] EncodeCommand(params ReadOnlySpan<string> arguments)
    {
        var size = 16;
        foreach (var argument in arguments)
        {
            size += 16 + Encoding.UTF8.GetByteCount(argument);
        }

        var buffer = new byte[size];
        var written = 0;
        Append($"*{arguments.Length}\r\n");
        foreach (var argument in arguments)
        {
            Append($"${Encoding.UTF8.GetByteCount(argument)}\r\n");
            written += Encoding.UTF8.GetBytes(argument, buffer.AsSpan(written));
            Append("\r\n");
        }

        return buffer[..written];

        void Append(string text) => written += Encoding.ASCII.GetBytes(text, buffer.AsSpan(written));
    }
}
