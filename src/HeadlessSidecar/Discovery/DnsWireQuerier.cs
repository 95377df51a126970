using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// <see cref="IDnsQuerier"/> over our own UDP/TCP exchange and <see cref="DnsResponseReader"/>. Queries go to the
/// effective name servers in order, uncached, with EDNS (a 1232-byte UDP buffer, the DNS Flag Day 2020 size) and again
/// over TCP when the answer comes back truncated, so a large StatefulSet's SRV set arrives whole.
/// </summary>
/// <remarks>
/// Not DnsClient: version 1.8 matches a UDP answer by its ID alone and gives up the attempt on the first datagram with
/// another ID (so one spoofed datagram ahead of the real answer loses it), does not check QR or the question, reads
/// the reserved label types 0x40/0x80 as pointers and has no 255-octet cap on names, and never shows the message it
/// parsed, so none of that can be checked after it. Here a datagram that is not the answer (another ID or question,
/// QR=0) is counted and the wait goes on, on a connected socket (the kernel drops datagrams from other addresses),
/// with a fresh random ID per attempt.
/// </remarks>
internal sealed partial class DnsWireQuerier : IDnsQuerier
{
    internal const int UdpBufferSize = 1232;
    internal const int RetriesPerServer = 2;
    private const int MaxMessageLength = ushort.MaxValue;

    private readonly EffectiveDnsSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DnsWireQuerier> _logger;

    public DnsWireQuerier(EffectiveDnsSettings settings, TimeProvider timeProvider, ILogger<DnsWireQuerier> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    private TimeSpan Timeout => _settings.Timeout > TimeSpan.Zero ? _settings.Timeout : TimeSpan.FromSeconds(2);

    public async Task<DnsQueryResult> QueryAsync(string name, DnsQueryType type, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (DnsQuestion.Create(name, type) is not { } question)
        {
            return DnsQueryResult.Failed($"'{name}' is not a name that can be asked for");
        }

        // What earlier attempts did not believe counts too, whichever attempt answers.
        var carried = DnsRejections.None;
        DnsQueryResult? last = null;
        foreach (var server in _settings.Servers)
        {
            for (var attempt = 0; attempt <= RetriesPerServer; attempt++)
            {
                if (last is not null)
                {
                    carried += last.Rejections;
                }
                var (result, transient) = await ExchangeAsync(server, question.WithNewId(), cancellationToken);
                last = result;
                if (transient)
                {
                    Log.AttemptFailed(_logger, name, type, server, result.Error!);
                    continue;
                }
                if (result.Status is DnsQueryStatus.Error or DnsQueryStatus.Refused)
                {
                    // SERVFAIL, REFUSED or a refused answer from this server: ask the next one.
                    Log.AttemptFailed(_logger, name, type, server, result.Error!);
                    break;
                }
                Log.QueryAnswered(_logger, name, type, result.Status);
                return result.WithRejections(carried);
            }
        }
        return (last ?? DnsQueryResult.Failed("no DNS server")).WithRejections(carried);
    }

    private async Task<(DnsQueryResult Result, bool Transient)> ExchangeAsync(IPEndPoint server, DnsQuestion question, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(Timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        // The query with room for TCP's length prefix; one pooled buffer for whatever comes back.
        var framed = new byte[DnsQueryWriter.MaxLength + 2];
        var query = framed.AsMemory(2, DnsQueryWriter.Write(question, UdpBufferSize, framed.AsSpan(2)));
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessageLength);
        var mismatched = 0;
        try
        {
            using (var udp = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp))
            {
                await udp.ConnectAsync(server, linked.Token);
                await udp.SendAsync(query, SocketFlags.None, linked.Token);
                while (true)
                {
                    var length = await udp.ReceiveAsync(buffer.AsMemory(0, MaxMessageLength), SocketFlags.None, linked.Token);
                    var outcome = DnsResponseReader.Read(buffer.AsSpan(0, length), question, _settings.MaxAnswerRecords, out var result);
                    if (outcome == DnsReadOutcome.Mismatched)
                    {
                        mismatched++;
                        continue;
                    }
                    if (outcome == DnsReadOutcome.Answer)
                    {
                        return (result.WithRejections(DnsRejections.Of(DnsRejectReason.MismatchedAnswer, mismatched)), false);
                    }
                    break;
                }
            }

            // Truncated: the same question over TCP, one message per connection (RFC 7766 allows more; we need one).
            using var tcp = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await tcp.ConnectAsync(server, linked.Token);
            await tcp.SendAsync(framed.AsMemory(0, query.Length + 2), SocketFlags.None, linked.Token);
            if (!await ReceiveExactlyAsync(tcp, buffer.AsMemory(0, 2), linked.Token))
            {
                return (DnsQueryResult.Failed("TCP connection closed without an answer").WithRejections(Mismatched(mismatched)), true);
            }
            var messageLength = BinaryPrimitives.ReadUInt16BigEndian(buffer);
            if (!await ReceiveExactlyAsync(tcp, buffer.AsMemory(0, messageLength), linked.Token))
            {
                return (DnsQueryResult.Failed("TCP connection closed inside the answer").WithRejections(Mismatched(mismatched)), true);
            }
            var tcpOutcome = DnsResponseReader.Read(buffer.AsSpan(0, messageLength), question, _settings.MaxAnswerRecords, out var tcpResult);
            var answer = tcpOutcome switch
            {
                DnsReadOutcome.Answer => tcpResult,
                DnsReadOutcome.Truncated => DnsQueryResult.Failed("truncated answer over TCP"),
                _ => DnsQueryResult.Rejected(DnsRejectReason.MismatchedAnswer, "the TCP answer is not a response to the question"),
            };
            return (answer.WithRejections(Mismatched(mismatched)), false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (DnsQueryResult.Failed("timeout").WithRejections(Mismatched(mismatched)), true);
        }
        catch (SocketException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var error = ex.SocketErrorCode is SocketError.TimedOut ? "timeout" : $"unreachable ({ex.SocketErrorCode})";
            return (DnsQueryResult.Failed(error).WithRejections(Mismatched(mismatched)), true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static DnsRejections Mismatched(int count) => DnsRejections.Of(DnsRejectReason.MismatchedAnswer, count);

    private static async Task<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (!destination.IsEmpty)
        {
            var read = await socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return false;
            }
            destination = destination[read..];
        }
        return true;
    }
}
