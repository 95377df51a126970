using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using HeadlessSidecar.Demo;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Demo;

public sealed class DemoDnsServerTests
{
    private const int PodPort = 8080;
    private const string Srv = "_web._tcp.nginx-headless.default.svc.cluster.local";
    private const string ServiceName = "nginx-headless.default.svc.cluster.local";

    [Fact]
    public async Task QuerySrv_ThreePods_AnswersWeightedTargetsWithAdditionalAddresses()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));

        var response = await Client(server).QueryAsync(Srv, QueryType.SRV, cancellationToken: timeout.Token);

        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.True(response.Header.HasAuthorityAnswer);
        Assert.False(response.Header.RecursionAvailable);
        Assert.True(response.Header.RecursionDesired);
        var records = response.Answers.SrvRecords().ToList();
        Assert.Equal(["web-0", "web-1", "web-2"], records.Select(r => r.Target.Value.Split('.')[0]));
        Assert.All(records, r =>
        {
            Assert.Equal(0, r.Priority);
            Assert.Equal(33, r.Weight);
            Assert.Equal(PodPort, r.Port);
            Assert.Equal(5, r.InitialTimeToLive);
            Assert.EndsWith(".nginx-headless.default.svc.cluster.local.", r.Target.Value, StringComparison.Ordinal);
        });

        // Joined by name, not position: loadbalance shuffles the additional section too.
        var additional = response.Additionals.ARecords().ToDictionary(a => a.DomainName.Value, a => a.Address);
        Assert.Equal(3, additional.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(PodAddress(i), additional[records[i].Target.Value]);
        }
    }

    [Fact]
    public async Task QueryServiceA_ThreePods_ReturnsEveryPodInShuffledOrder()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3, new Random(7)));
        var client = Client(server);
        var orders = new HashSet<string>();

        for (var i = 0; i < 20; i++)
        {
            var response = await client.QueryAsync(ServiceName, QueryType.A, cancellationToken: timeout.Token);
            var addresses = response.Answers.ARecords().Select(a => a.Address).ToList();
            Assert.Equal(3, addresses.Count);
            Assert.Equal([PodAddress(0), PodAddress(1), PodAddress(2)], addresses.OrderBy(a => a.GetAddressBytes()[3]));
            orders.Add(string.Join(',', addresses));
        }

        Assert.True(orders.Count > 1, "20 answers came in one order: nothing shuffles");
    }

    [Fact]
    public async Task QueryPodA_AnyCase_ReturnsThatPod()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));

        var response = await Client(server).QueryAsync("WEB-1.Nginx-Headless.DEFAULT.svc.cluster.local", QueryType.A, cancellationToken: timeout.Token);

        var record = Assert.Single(response.Answers.ARecords());
        Assert.Equal(PodAddress(1), record.Address);
        Assert.Equal(5, record.InitialTimeToLive);
    }

    [Fact]
    public async Task QueryPtr_PodAddress_ReturnsPodName()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));

        var response = await Client(server).QueryReverseAsync(PodAddress(2), timeout.Token);

        var record = Assert.Single(response.Answers.PtrRecords());
        Assert.Equal("23.0.0.127.in-addr.arpa.", record.DomainName.Value);
        Assert.Equal("web-2.nginx-headless.default.svc.cluster.local.", record.PtrDomainName.Value);
    }

    [Theory]
    [InlineData("web-7.nginx-headless.default.svc.cluster.local", QueryType.A)]
    [InlineData("_http._tcp.nginx-headless.default.svc.cluster.local", QueryType.SRV)]
    [InlineData("gone.default.svc.cluster.local", QueryType.A)]
    public async Task QueryUnknownName_InClusterDomain_ReturnsNameErrorWithSoa(string name, QueryType type)
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));

        var response = await Client(server).QueryAsync(name, type, cancellationToken: timeout.Token);

        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, response.Header.ResponseCode);
        Assert.True(response.Header.HasAuthorityAnswer);
        Assert.Empty(response.Answers);
        AssertNegativeSoa(response);
    }

    [Theory]
    [InlineData(ServiceName)]
    [InlineData("web-0.nginx-headless.default.svc.cluster.local")]
    [InlineData(Srv)]
    public async Task QueryAaaa_ExistingName_ReturnsNoDataWithSoa(string name)
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));

        var response = await Client(server).QueryAsync(name, QueryType.AAAA, cancellationToken: timeout.Token);

        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.Empty(response.Answers);
        AssertNegativeSoa(response);
    }

    [Theory]
    [InlineData(ServiceName, QueryType.A)]
    [InlineData(Srv, QueryType.SRV)]
    public async Task Query_ServiceWithoutPods_ReturnsNoData(string name, QueryType type)
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(0));

        var response = await Client(server).QueryAsync(name, type, cancellationToken: timeout.Token);

        Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
        Assert.Empty(response.Answers);
        AssertNegativeSoa(response);
    }

    [Fact]
    public async Task Query_NameOutsideOurZones_IsRefused()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));

        var response = await Client(server).QueryAsync("example.com", QueryType.A, cancellationToken: timeout.Token);

        Assert.Equal(DnsHeaderResponseCode.Refused, response.Header.ResponseCode);
        Assert.False(response.Header.HasAuthorityAnswer);
    }

    [Fact]
    public async Task QuerySrvOverUdp_ThirtyPods_IsTruncatedWithoutRecords()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(30));

        var plain = await RawDns.ExchangeUdpAsync(server.EndPoint, RawDns.Query(0x4242, Srv, RawDns.TypeSrv), timeout.Token);
        var edns = await RawDns.ExchangeUdpAsync(server.EndPoint, RawDns.Query(0x4243, Srv, RawDns.TypeSrv, ednsPayload: 4096), timeout.Token);

        Assert.Equal(0x4242, RawDns.Id(plain));
        Assert.NotEqual(0, RawDns.Flags(plain) & RawDns.TruncatedFlag);
        Assert.Equal(0, RawDns.ResponseCode(plain));
        Assert.Equal([1, 0, 0, 0], Enumerable.Range(0, 4).Select(s => (int)RawDns.Count(plain, s)));
        Assert.True(plain.Length <= 512);

        // A 4096 offer is capped at 1232, which 30 SRV records with their addresses exceed as well; the OPT stays.
        Assert.Equal(0x4243, RawDns.Id(edns));
        Assert.NotEqual(0, RawDns.Flags(edns) & RawDns.TruncatedFlag);
        Assert.Equal([1, 0, 0, 1], Enumerable.Range(0, 4).Select(s => (int)RawDns.Count(edns, s)));
    }

    [Fact]
    public async Task QuerySrvOverUdp_ThreePodsWithEdns_IsNotTruncated()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));

        var response = await RawDns.ExchangeUdpAsync(server.EndPoint, RawDns.Query(7, Srv, RawDns.TypeSrv, ednsPayload: 1232), timeout.Token);

        Assert.Equal(0, RawDns.Flags(response) & RawDns.TruncatedFlag);
        Assert.Equal([1, 3, 0, 4], Enumerable.Range(0, 4).Select(s => (int)RawDns.Count(response, s)));
    }

    [Fact]
    public async Task QuerySrv_ThirtyPods_CompleteThroughTcpFallback()
    {
        using var timeout = Timeout();
        var logger = new CollectingLogger();
        await using var server = await DemoDnsServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), Zone(30), logger, timeout.Token);

        var response = await Client(server).QueryAsync(Srv, QueryType.SRV, cancellationToken: timeout.Token);

        Assert.False(response.Header.ResultTruncated);
        Assert.Equal(30, response.Answers.SrvRecords().Count());
        Assert.All(response.Answers.SrvRecords(), r => Assert.Equal(3, r.Weight));
        Assert.Equal(30, response.Additionals.ARecords().Select(a => a.Address).Distinct().Count());
        Assert.Contains(logger.Messages, m => m.StartsWith("DNS UDP: " + Srv, StringComparison.Ordinal) && m.EndsWith("truncated True", StringComparison.Ordinal));
        Assert.Contains(logger.Messages, m => m.StartsWith("DNS TCP: " + Srv, StringComparison.Ordinal) && m.EndsWith("30 answers, truncated False", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Udp_MalformedDatagrams_ServerKeepsAnswering()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));
        var garbage = new Random(1234);
        List<byte[]> datagrams =
        [
            [],
            [0x12, 0x34, 0x01, 0x00, 0x00],
            Header(0x0001, questions: 1),
            [.. Header(0x0002, questions: 1), 0x3F, (byte)'a'],
            [.. Header(0x0003, questions: 1), 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01],
            [.. Header(0x0004, questions: 1), 0x01, (byte)'a', 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01],
            [.. Header(0x0005, questions: 1), 0x80, 0x00, 0x00, 0x01, 0x00, 0x01],
            [.. Header(0x0006, questions: 1, additionals: 1), .. Question("a.cluster.local"), 0x00, 0x00, 0x29, 0x04],
            [.. RawDns.Query(0x0007, ServiceName, RawDns.TypeA).AsSpan(0, 12), .. Enumerable.Repeat((byte)0x3F, 300)],
        ];
        for (var i = 0; i < 200; i++)
        {
            var datagram = new byte[garbage.Next(0, 600)];
            garbage.NextBytes(datagram);
            datagrams.Add(datagram);
        }

        foreach (var datagram in datagrams)
        {
            await RawDns.SendUdpAsync(server.EndPoint, datagram, timeout.Token);
        }

        var response = await Client(server).QueryAsync(ServiceName, QueryType.A, cancellationToken: timeout.Token);
        Assert.Equal(3, response.Answers.ARecords().Count());
    }

    [Theory]
    [InlineData("zero questions")]
    [InlineData("two questions")]
    [InlineData("compression loop")]
    [InlineData("forward pointer")]
    [InlineData("label past the end")]
    [InlineData("two OPT records")]
    public async Task Udp_MalformedQuery_AnswersFormatErrorToItsId(string kind)
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));
        byte[] opt = [0x00, 0x00, 0x29, 0x04, 0xD0, 0, 0, 0, 0, 0, 0];
        byte[] query = kind switch
        {
            "zero questions" => Header(0xBEEF, questions: 0),
            "two questions" => [.. Header(0xBEEF, questions: 2), .. Question(ServiceName), .. Question(ServiceName)],
            "compression loop" => [.. Header(0xBEEF, questions: 1), 0x03, (byte)'w', (byte)'e', (byte)'b', 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01],
            "forward pointer" => [.. Header(0xBEEF, questions: 1), 0xC0, 0x20, 0x00, 0x01, 0x00, 0x01],
            "label past the end" => [.. Header(0xBEEF, questions: 1), 0x20, (byte)'a', 0x00],
            "two OPT records" => [.. Header(0xBEEF, questions: 1, additionals: 2), .. Question(ServiceName), .. opt, .. opt],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var response = await RawDns.ExchangeUdpAsync(server.EndPoint, query, timeout.Token);

        Assert.Equal(0xBEEF, RawDns.Id(response));
        Assert.Equal(1, RawDns.ResponseCode(response));
        Assert.Equal(12, response.Length);
    }

    [Fact]
    public async Task Query_EdnsVersion1_AnswersBadVersion()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));

        var response = await RawDns.ExchangeUdpAsync(server.EndPoint, RawDns.Query(9, ServiceName, RawDns.TypeA, ednsPayload: 1232, ednsVersion: 1), timeout.Token);

        // BADVERS is 16: 0 in the header, 1 in the OPT's extended RCODE, the OPT being the last record.
        Assert.Equal(0, RawDns.ResponseCode(response));
        Assert.Equal(0, RawDns.Count(response, 1));
        Assert.Equal(1, RawDns.Count(response, 3));
        Assert.Equal(1, response[^6]);
    }

    [Fact]
    public async Task Tcp_SeveralQueriesOnOneConnection_AnsweredInOrder()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.EndPoint, timeout.Token);
        var stream = tcp.GetStream();

        await stream.WriteAsync(RawDns.Frame(RawDns.Query(1, Srv, RawDns.TypeSrv), RawDns.Query(2, ServiceName, RawDns.TypeA)), timeout.Token);
        var first = await RawDns.ReadFramedAsync(stream, timeout.Token);
        var second = await RawDns.ReadFramedAsync(stream, timeout.Token);
        await stream.WriteAsync(RawDns.Frame(RawDns.Query(3, "web-0." + ServiceName, RawDns.TypeA)), timeout.Token);
        var third = await RawDns.ReadFramedAsync(stream, timeout.Token);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotNull(third);
        Assert.Equal((1, 3), (RawDns.Id(first), RawDns.Count(first, 1)));
        Assert.Equal((2, 3), (RawDns.Id(second), RawDns.Count(second, 1)));
        Assert.Equal((3, 1), (RawDns.Id(third), RawDns.Count(third, 1)));
    }

    [Fact]
    public async Task Tcp_MalformedMessages_ConnectionKeepsServing()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.EndPoint, timeout.Token);
        var stream = tcp.GetStream();

        // Too short to be answered at all, then a FORMERR, then a good query: one answer each for the last two.
        await stream.WriteAsync(RawDns.Frame([1, 2, 3], Header(0x0BAD, questions: 0), RawDns.Query(0x0600D, ServiceName, RawDns.TypeA)), timeout.Token);
        var formatError = await RawDns.ReadFramedAsync(stream, timeout.Token);
        var answer = await RawDns.ReadFramedAsync(stream, timeout.Token);

        Assert.NotNull(formatError);
        Assert.NotNull(answer);
        Assert.Equal((0x0BAD, 1), (RawDns.Id(formatError), RawDns.ResponseCode(formatError)));
        Assert.Equal((0x600D, 3), (RawDns.Id(answer), RawDns.Count(answer, 1)));
    }

    [Fact]
    public async Task Tcp_OversizedMessage_ClosesOnlyThatConnection()
    {
        using var timeout = Timeout();
        await using var server = await StartAsync(Zone(3));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.EndPoint, timeout.Token);
        var stream = tcp.GetStream();

        await stream.WriteAsync(new byte[] { 0xFF, 0xFF, 0x00 }, timeout.Token);

        Assert.Null(await RawDns.ReadFramedAsync(stream, timeout.Token));
        var response = await Client(server, tcpOnly: true).QueryAsync(ServiceName, QueryType.A, cancellationToken: timeout.Token);
        Assert.Equal(3, response.Answers.ARecords().Count());
    }

    [Fact]
    public async Task Tcp_IdleConnection_IsClosedAfterTimeout()
    {
        using var timeout = Timeout();
        var time = new FakeTimeProvider();
        await using var server = await DemoDnsServer.StartAsync(
            new IPEndPoint(IPAddress.Loopback, 0), Zone(3), NullLogger.Instance, time, TimeSpan.FromSeconds(10), timeout.Token);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.EndPoint, timeout.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(RawDns.Frame(RawDns.Query(1, ServiceName, RawDns.TypeA)), timeout.Token);
        Assert.NotNull(await RawDns.ReadFramedAsync(stream, timeout.Token));

        // The answer is out, so the server's idle clock runs: 9 s keep the connection, 10 s close it.
        time.Advance(TimeSpan.FromSeconds(9));
        await stream.WriteAsync(RawDns.Frame(RawDns.Query(2, ServiceName, RawDns.TypeA)), timeout.Token);
        Assert.NotNull(await RawDns.ReadFramedAsync(stream, timeout.Token));
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Null(await RawDns.ReadFramedAsync(stream, timeout.Token));
    }

    [Fact]
    public async Task Update_NewZone_AnsweredFromTheNextQuery()
    {
        using var timeout = Timeout();
        var zone = Zone(3);
        await using var server = await StartAsync(zone);
        var client = Client(server);
        var before = await client.QueryAsync(Srv, QueryType.SRV, cancellationToken: timeout.Token);

        server.Update(zone.WithPods(zone.Pods.Take(2)));
        var after = await client.QueryAsync(Srv, QueryType.SRV, cancellationToken: timeout.Token);
        var gone = await client.QueryAsync("web-2." + ServiceName, QueryType.A, cancellationToken: timeout.Token);

        Assert.Equal(3, before.Answers.SrvRecords().Count());
        Assert.Equal([50, 50], after.Answers.SrvRecords().Select(r => (int)r.Weight));
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, gone.Header.ResponseCode);
        Assert.Equal(zone.Serial + 1, Assert.Single(gone.Authorities.SoaRecords()).Serial);
    }

    internal static DemoZone Zone(int pods, Random? random = null) =>
        new(PodPort, Enumerable.Range(0, pods).Select(i => new DemoZonePod($"web-{i}", PodAddress(i))), random);

    private static IPAddress PodAddress(int ordinal) => new([127, 0, 0, (byte)(21 + ordinal)]);

    private static Task<DemoDnsServer> StartAsync(DemoZone zone) =>
        DemoDnsServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), zone, NullLogger.Instance, TestContext.Current.CancellationToken);

    private static LookupClient Client(DemoDnsServer server, bool tcpOnly = false) =>
        new(new LookupClientOptions(new NameServer(server.EndPoint))
        {
            UseCache = false,
            UseTcpOnly = tcpOnly,
            Timeout = TimeSpan.FromSeconds(5),
            Retries = 1,
            ThrowDnsErrors = false,
        });

    /// <summary>Every wait in these tests ends: with the test run, or after 30 s.</summary>
    private static CancellationTokenSource Timeout()
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        return timeout;
    }

    private static void AssertNegativeSoa(IDnsQueryResponse response)
    {
        var soa = Assert.Single(response.Authorities.SoaRecords());
        Assert.Equal("cluster.local.", soa.DomainName.Value);
        Assert.Equal("ns.dns.cluster.local.", soa.MName.Value);
        Assert.Equal("hostmaster.cluster.local.", soa.RName.Value);
        Assert.Equal(5u, soa.Minimum);
        Assert.Equal(5, soa.InitialTimeToLive);
    }

    private static byte[] Header(ushort id, ushort questions, ushort additionals = 0) =>
        [(byte)(id >> 8), (byte)id, 0x01, 0x00, (byte)(questions >> 8), (byte)questions, 0, 0, 0, 0, (byte)(additionals >> 8), (byte)additionals];

    private static byte[] Question(string name) => RawDns.Query(0, name, RawDns.TypeA)[12..];
}
