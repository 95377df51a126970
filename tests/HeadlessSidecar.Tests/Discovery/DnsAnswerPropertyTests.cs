using System.Net;
using CsCheck;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using Microsoft.Extensions.Logging.Abstractions;
using static HeadlessSidecar.Tests.Discovery.Dns;

namespace HeadlessSidecar.Tests.Discovery;

/// <summary>
/// DNS answer handling over generated and mutated messages: the reader never throws and refuses what it must, a valid
/// answer reads back as written, and no message, however crafted, yields a pod outside the Service's domain.
/// </summary>
public sealed class DnsAnswerPropertyTests
{
    private const ushort Id = 0x4242;
    private const long Iterations = 1500;
    private static readonly DnsQuestion s_question = DnsQuestion.Create(SrvName, DnsQueryType.Srv, Id)!;

    private static readonly Gen<string> s_label = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"].Array[1, 20].Select(c => new string(c));

    /// <summary>Targets mostly inside the Service, some elsewhere; glue for most of them.</summary>
    private static readonly Gen<(string Target, ushort Port, uint Ttl, byte[] Address, bool Glue)[]> s_records =
        Gen.Select(s_label, Gen.Int[0, 3], Gen.UShort, Gen.UInt, Gen.Byte.Array[4], Gen.Bool)
            .Select((label, where, port, ttl, address, glue) => (where switch
            {
                0 => $"{label}.example.com.",
                1 => $"{label}.other.default.svc.cluster.local.",
                _ => Pod(label),
            }, port, ttl, address, glue))
            .Array[0, 12];

    private static byte[] Encode((string Target, ushort Port, uint Ttl, byte[] Address, bool Glue)[] records)
    {
        var packet = DnsPacket.AnswerTo(Id, SrvName, DnsPacket.Srv);
        foreach (var r in records)
        {
            packet.Answers.Add(DnsPacket.SrvRecord(SrvName, r.Target, r.Port, r.Ttl));
            if (r.Glue)
            {
                packet.Additionals.Add(DnsPacket.AddressRecord(r.Target, new IPAddress(r.Address).ToString()));
            }
        }
        return packet.ToArray();
    }

    private static Gen<byte[]> Mutated(Gen<byte[]> valid) =>
        Gen.Select(valid, Gen.Int[0, 4000].Array[1, 6], Gen.Byte.Array[6], Gen.Int[0, 2])
            .Select((bytes, positions, values, kind) =>
            {
                var list = bytes.ToList();
                for (var i = 0; i < positions.Length && list.Count > 0; i++)
                {
                    var at = positions[i] % list.Count;
                    switch (kind)
                    {
                        case 0: list[at] = values[i]; break;
                        case 1: list.RemoveAt(at); break;
                        default: list.Insert(at, values[i]); break;
                    }
                }
                return list.ToArray();
            });

    [Fact]
    public void Read_ValidAnswer_RoundTrips()
    {
        s_records.Sample(records =>
        {
            var outcome = DnsResponseReader.Read(Encode(records), s_question, DnsOptions.DefaultMaxAnswerRecords, out var result);

            Assert.Equal(DnsReadOutcome.Answer, outcome);
            Assert.Equal(records.Length == 0 ? DnsQueryStatus.NoData : DnsQueryStatus.Success, result.Status);
            Assert.Equal(records.Select(r => (r.Target, (int)r.Port)), result.Srv.Select(r => (r.Target, r.Port)));
            Assert.All(result.Srv, r => Assert.InRange(r.Ttl, TimeSpan.Zero, DnsResponseReader.MaxTtl));
            Assert.Equal(records.Count(r => r.Glue), result.AdditionalAddresses.Count);
        }, iter: Iterations);
    }

    [Fact]
    public void Resolve_AnyMessage_NeverThrowsNeverAPodOutsideTheService()
    {
        Gen.OneOf(Gen.Byte.Array[0, 200], Mutated(s_records.Select(Encode))).Sample(message =>
        {
            var outcome = DnsResponseReader.Read(message, s_question, 20, out var answer);
            Assert.True(Enum.IsDefined(outcome));
            if (outcome != DnsReadOutcome.Answer)
            {
                return;
            }
            if (answer.Status == DnsQueryStatus.Error)
            {
                Assert.False(answer.Rejections.IsEmpty && answer.Error!.Contains('_', StringComparison.Ordinal), answer.Error);
            }

            // Whatever the reader let through, the resolver must keep inside the domain; target lookups say nothing.
            var querier = new FakeDnsQuerier { Unknown = DnsQueryResult.NoData() }.Set(SrvName, DnsQueryType.Srv, answer);
            var resolver = new ServiceResolver(querier, new EffectiveDnsSettings([], [], 1, TimeSpan.FromSeconds(1)),
                NullLogger<ServiceResolver>.Instance);
            var service = new ServiceOptions { Name = "web", Host = Service + ".", PortName = "web", Listen = new IPEndPoint(IPAddress.Loopback, 1) };
            var resolution = resolver.ResolveAsync(service, null, [], CancellationToken.None).GetAwaiter().GetResult();

            Assert.All(resolution.Pods, p => Assert.True(ServiceResolver.IsInDomain(p.HostName + ".", Service + "."), p.HostName));
            Assert.All(querier.Queries.Where(q => q.Type != DnsQueryType.Srv),
                q => Assert.True(ServiceResolver.IsInDomain(q.Name, Service + "."), q.Name));
        }, iter: Iterations);
    }

    [Fact]
    public void Read_AnyBytesForAnyQuestion_OnlyTheDocumentedOutcomes()
    {
        Gen.Select(Gen.Byte.Array[0, 120], Gen.UShort).Sample((message, id) =>
        {
            var question = DnsQuestion.Create(Service, DnsQueryType.A, id)!;
            var outcome = DnsResponseReader.Read(message, question, 3, out var result);
            Assert.NotNull(result);
            if (outcome == DnsReadOutcome.Answer && result.Status == DnsQueryStatus.Success)
            {
                // Only an answer to this question gets this far: the header says so.
                Assert.Equal(id, (ushort)((message[0] << 8) | message[1]));
            }
        }, iter: Iterations);
    }
}
