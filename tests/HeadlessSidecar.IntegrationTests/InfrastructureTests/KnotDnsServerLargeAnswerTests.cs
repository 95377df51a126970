using DnsClient;
using DnsClient.Protocol;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

/// <summary>A 200-pod StatefulSet does not fit a UDP answer: TC over UDP, the full set over TCP.</summary>
public sealed class KnotDnsServerLargeAnswerTests
{
    private const int Replicas = 200;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Srv_200PodsOverUdpWithEdns4096_TcSetAndAnswerSectionEmpty()
    {
        var (zone, service) = KnotDnsServerShapeTests.StatefulSet(Replicas);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var (truncated, answers, length) = await RawDnsQuery.UdpAsync(dns.EndPoint, service.SrvName("web"), (ushort)QueryType.SRV, 4096, Ct);

        Assert.True(truncated, "TC bit expected on a 200-record SRV answer over UDP");
        Assert.Equal(0, answers);
        Assert.True(length <= 4096);
    }

    [Fact]
    public async Task Srv_200PodsWithoutTcpFallback_DnsClientReportsTruncation()
    {
        var (zone, service) = KnotDnsServerShapeTests.StatefulSet(Replicas);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var error = await Assert.ThrowsAsync<DnsResponseException>(
            () => dns.CreateClient(useTcpFallback: false).QueryAsync(service.SrvName("web"), QueryType.SRV, cancellationToken: Ct));

        Assert.Contains("truncated", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Srv_ThreePodsOverUdpWithEdns_FitsWithoutTc()
    {
        var (zone, service) = KnotDnsServerShapeTests.StatefulSet(3);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var (truncated, answers, _) = await RawDnsQuery.UdpAsync(dns.EndPoint, service.SrvName("web"), (ushort)QueryType.SRV, 1232, Ct);

        Assert.False(truncated);
        Assert.Equal(3, answers);
    }

    [Fact]
    public async Task Srv_200PodsWithTcpFallback_CompleteWithMinimumWeightOne()
    {
        var (zone, service) = KnotDnsServerShapeTests.StatefulSet(Replicas);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var response = await dns.CreateClient().QueryAsync(service.SrvName("web"), QueryType.SRV, cancellationToken: Ct);

        Assert.False(response.Header.ResultTruncated);
        var records = response.Answers.SrvRecords().ToList();
        Assert.Equal(Replicas, records.Select(r => r.Target.Value).Distinct(StringComparer.Ordinal).Count());
        Assert.All(records, r => Assert.Equal(1, r.Weight));
        Assert.Equal(Replicas, response.Additionals.ARecords().Count());
    }

    [Fact]
    public async Task A_200PodsOverTcpOnly_AllAddresses()
    {
        var (zone, service) = KnotDnsServerShapeTests.StatefulSet(Replicas);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var response = await dns.CreateClient(useTcpOnly: true).QueryAsync(service.Fqdn, QueryType.A, cancellationToken: Ct);

        Assert.Equal(Replicas, response.Answers.ARecords().Select(r => r.Address).Distinct().Count());
    }
}
