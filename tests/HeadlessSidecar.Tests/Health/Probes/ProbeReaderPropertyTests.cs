using System.Text;
using CsCheck;
using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.Tests.Health.Probes;

/// <summary>
/// The protocol probes' readers against what a hostile peer may send: any bytes end in a value or a
/// <see cref="ProbeProtocolException"/> (never another exception), a reply split at any byte boundary reads the same,
/// and valid encodings read back as written.
/// </summary>
public sealed class ProbeReaderPropertyTests
{
    private const long Iterations = 800;

    /// <summary>A stream that hands out its bytes in pieces ending at the given offsets, as TCP may.</summary>
    private sealed class PiecewiseStream(byte[] bytes, IReadOnlyList<int> cuts) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => bytes.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var end = cuts.Where(c => c > _position).Select(c => Math.Min(c, bytes.Length)).DefaultIfEmpty(bytes.Length).Min();
            var count = Math.Min(buffer.Length, end - _position);
            bytes.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The outcome of reading, as text: the value, or the protocol error. Anything else fails the test.</summary>
    private static string Outcome(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (ProbeProtocolException ex)
        {
            return "protocol error: " + ex.Message;
        }
    }

    private static string Resp(byte[] bytes, IReadOnlyList<int> cuts) => Outcome(() =>
    {
        var value = new RespReader(new ProbeReader(new PiecewiseStream(bytes, cuts))).ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return Describe(value);
    });

    private static string Describe(RespValue value) =>
        value.Items is { } items ? $"[{string.Join(",", items.Select(Describe))}]" : $"{value.Kind}:{value.Text}:{value.Integer}";

    private static readonly Gen<string> s_line = Gen.Char['a', 'z'].Array[0, 10].Select(c => new string(c));

    private static readonly Gen<RespValue> s_leaf = Gen.OneOf(
        s_line.Select(t => new RespValue(RespKind.SimpleString, t)),
        s_line.Select(t => new RespValue(RespKind.Error, t)),
        Gen.Long.Select(i => new RespValue(RespKind.Integer, Integer: i)),
        Gen.Char[' ', '~'].Array[0, 30].Select(c => new RespValue(RespKind.BulkString, new string(c))),
        Gen.Const(RespValue.NullValue));

    private static readonly Gen<RespValue> s_resp = Gen.OneOf(s_leaf,
        s_leaf.Array[0, 5].Select(items => new RespValue(RespKind.Array, Items: items)));

    private static string Encode(RespValue value) => value.Kind switch
    {
        RespKind.SimpleString => $"+{value.Text}\r\n",
        RespKind.Error => $"-{value.Text}\r\n",
        RespKind.Integer => FormattableString.Invariant($":{value.Integer}\r\n"),
        RespKind.BulkString => $"${Encoding.UTF8.GetByteCount(value.Text!)}\r\n{value.Text}\r\n",
        RespKind.Null => "$-1\r\n",
        _ => $"*{value.Items!.Count}\r\n" + string.Concat(value.Items.Select(Encode)),
    };

    private static Gen<byte[]> Mutated(Gen<byte[]> valid) =>
        Gen.Select(valid, Gen.Int[0, 1000].Array[1, 3], Gen.Byte.Array[3], Gen.Bool).Select((bytes, positions, values, remove) =>
        {
            var list = bytes.ToList();
            for (var i = 0; i < positions.Length && list.Count > 0; i++)
            {
                var at = positions[i] % list.Count;
                if (remove)
                {
                    list.RemoveAt(at);
                }
                else
                {
                    list[at] = values[i];
                }
            }
            return list.ToArray();
        });

    [Fact]
    public void RespReader_ValidReplySplitAnywhere_RoundTrips()
    {
        Gen.Select(s_resp, Gen.Int[0, 200].Array[0, 6]).Sample((value, cuts) =>
        {
            var bytes = Encoding.UTF8.GetBytes(Encode(value));
            Assert.Equal(Describe(value), Resp(bytes, cuts));
        }, iter: Iterations);
    }

    [Fact]
    public void RespReader_AnyBytes_ValueOrProtocolErrorAndSplitsAgree()
    {
        Gen.Select(Gen.OneOf(Gen.Byte.Array[0, 100], Mutated(s_resp.Select(v => Encoding.UTF8.GetBytes(Encode(v))))), Gen.Int[0, 200].Array[0, 6])
            .Sample((bytes, cuts) => Assert.Equal(Resp(bytes, []), Resp(bytes, cuts)), iter: Iterations);
    }

    [Fact]
    public void MySqlPacketChannel_AnyBytesSplitAnywhere_PacketOrProtocolError()
    {
        Gen.Select(Gen.Byte.Array[0, 80], Gen.Int[0, 80].Array[0, 5]).Sample((bytes, cuts) =>
        {
            string Read(IReadOnlyList<int> c) => Outcome(() =>
                Convert.ToHexString(new MySqlPacketChannel(new PiecewiseStream(bytes, c)).ReadPacketAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult()));
            Assert.Equal(Read([]), Read(cuts));
        }, iter: Iterations);
    }

    private static readonly Gen<byte[]> s_handshake =
        Gen.Select(s_line, Gen.UInt, Gen.Byte.Array[20], Gen.UShort, Gen.UShort, s_line).Select((version, id, nonce, low, high, plugin) =>
        {
            var bytes = new List<byte> { MySqlHandshake.ProtocolVersion };
            bytes.AddRange(Encoding.ASCII.GetBytes(version));
            bytes.Add(0);
            bytes.AddRange(BitConverter.GetBytes(id));
            bytes.AddRange(nonce[..8]);
            bytes.Add(0);
            bytes.AddRange(BitConverter.GetBytes(low));
            bytes.Add(33);
            bytes.AddRange([2, 0]);
            bytes.AddRange(BitConverter.GetBytes(high));
            bytes.Add(21);
            bytes.AddRange(new byte[10]);
            bytes.AddRange(nonce[8..]);
            bytes.Add(0);
            bytes.AddRange(Encoding.ASCII.GetBytes(plugin));
            bytes.Add(0);
            return bytes.ToArray();
        });

    [Fact]
    public void MySqlHandshake_AnyPayload_HandshakeOrProtocolError()
    {
        Gen.OneOf(Gen.Byte.Array[0, 120], Mutated(s_handshake), s_handshake).Sample(payload =>
        {
            var outcome = Outcome(() => MySqlHandshake.Parse(payload).ServerVersion);
            Assert.NotNull(outcome);
        }, iter: Iterations);
    }

    [Fact]
    public void MySqlPayloadReader_AnyPayload_FieldsOrProtocolError()
    {
        Gen.Byte.Array[0, 60].Sample(payload =>
        {
            Outcome(() =>
            {
                var reader = new MySqlPayloadReader(payload);
                var text = new StringBuilder();
                while (reader.Remaining > 0)
                {
                    text.Append(reader.ReadLengthEncodedString()).Append('|');
                }
                return text.ToString();
            });
            Outcome(() => new MySqlPayloadReader(payload).ReadNullTerminatedString());
            // As the probe calls it: on a packet that starts with the ERR header.
            Outcome(() => MySqlProbe.DescribeError([0xFF, .. payload]));
        }, iter: Iterations);
    }

    /// <summary>One BER element in definite form, short or long length.</summary>
    private static byte[] Ber(byte tag, byte[] contents, bool longForm)
    {
        var length = contents.Length;
        byte[] header = !longForm && length < 0x80 ? [tag, (byte)length] : [tag, 0x82, (byte)(length >> 8), (byte)length];
        return [.. header, .. contents];
    }

    [Fact]
    public void BerReader_ValidElements_RoundTrip()
    {
        Gen.Select(Gen.Byte.Where(t => (t & 0x1F) != 0x1F), Gen.Byte.Array[0, 300], Gen.Bool).Array[1, 4].Sample(elements =>
        {
            var bytes = elements.SelectMany(e => Ber(e.Item1, e.Item2, e.Item3)).ToArray();
            var reader = new BerReader(bytes);
            foreach (var (tag, contents, _) in elements)
            {
                Assert.Equal(tag, reader.ReadElement(out var read));
                Assert.Equal(contents, read.ToArray());
            }
            Assert.False(reader.HasMore);
        }, iter: Iterations);
    }

    [Fact]
    public void BerReader_AnyBytes_ElementsOrProtocolError()
    {
        Gen.Byte.Array[0, 60].Sample(bytes =>
        {
            Outcome(() =>
            {
                var reader = new BerReader(bytes);
                var total = 0;
                while (reader.HasMore)
                {
                    reader.ReadElement(out var contents);
                    total += contents.Length;
                    Assert.InRange(total, 0, bytes.Length);
                }
                return "ok";
            });
            Outcome(() => new BerReader(bytes).ReadSmallInteger(0x02, "integer").ToString(System.Globalization.CultureInfo.InvariantCulture));
        }, iter: Iterations);
    }

    [Fact]
    public void ZooKeeperClassify_AnyAnswer_AResultNeverAnException()
    {
        var modes = Gen.OneOf(Gen.Const("leader"), Gen.Const("follower"), Gen.Const("observer"), Gen.Const("standalone"), s_line);
        Gen.OneOf(
            Gen.Char.Array[0, 200].Select(c => new string(c)),
            Gen.Select(modes, s_line, Gen.Bool).Select((mode, noise, crlf) =>
                $"Zookeeper version: 3.8.4\n{noise}{(crlf ? "\r\n" : "\n")}Mode: {mode}{(crlf ? "\r\n" : "\n")}"))
            .Sample(answer =>
            {
                var result = ZooKeeperProbe.Classify(answer);
                // A failure always says why; a pass never does.
                Assert.Equal(result.Healthy, result.Failure is null);
            }, iter: Iterations);
    }
}
