using DnsClient;
using DnsClient.Protocol;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

/// <summary>Reloads and outages of the Knot fixture.</summary>
public sealed class KnotDnsServerLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReloadAsync_ScaledUp_NewPodAndNewSerialVisibleOnReturn()
    {
        var (zone, service) = KnotDnsServerShapeTests.StatefulSet(2);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        var client = dns.CreateClient();
        var before = zone.Serial;

        service.AddPod("web-2", LoopbackAddresses.Next());
        await dns.ReloadAsync(Ct);

        var srv = await client.QueryAsync(service.SrvName("web"), QueryType.SRV, cancellationToken: Ct);
        var soa = await client.QueryAsync(zone.ClusterDomain, QueryType.SOA, cancellationToken: Ct);
        Assert.Equal(3, srv.Answers.SrvRecords().Count());
        Assert.All(srv.Answers.SrvRecords(), r => Assert.Equal(33, r.Weight));
        Assert.True(zone.Serial > before);
        Assert.Equal(zone.Serial, Assert.Single(soa.Answers.SoaRecords()).Serial);
    }

    [Fact]
    public async Task ReloadAsync_ServiceRemoved_IsNxDomain()
    {
        var (zone, service) = KnotDnsServerShapeTests.StatefulSet(1);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        var client = dns.CreateClient();

        zone.RemoveService(service.Name, service.Namespace);
        await dns.ReloadAsync(Ct);

        var a = await client.QueryAsync(service.Fqdn, QueryType.A, cancellationToken: Ct);
        var srv = await client.QueryAsync(service.SrvName("web"), QueryType.SRV, cancellationToken: Ct);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, a.Header.ResponseCode);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, srv.Header.ResponseCode);
    }

    [Fact]
    public async Task ReloadAsync_AllPodsBecomeNotReady_NoDataInsteadOfRecords()
    {
        var (zone, service) = KnotDnsServerShapeTests.StatefulSet(2);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        foreach (var pod in service.Pods)
        {
            pod.Ready = false;
        }

        await dns.ReloadAsync(Ct);

        var srv = await dns.CreateClient().QueryAsync(service.SrvName("web"), QueryType.SRV, cancellationToken: Ct);
        Assert.Equal((DnsHeaderResponseCode.NoError, 0), (srv.Header.ResponseCode, srv.Answers.Count));
    }

    [Fact]
    public async Task StopAsync_Outage_NoAnswerOverUdpOrTcpUntilStartAgainOnSameEndPoint()
    {
        var (zone, service) = KnotDnsServerShapeTests.StatefulSet(1);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        var endPoint = dns.EndPoint;

        await dns.StopAsync();
        var shortTimeout = TimeSpan.FromMilliseconds(300);
        await Assert.ThrowsAsync<DnsResponseException>(() => dns.CreateClient(timeout: shortTimeout).QueryAsync(service.Fqdn, QueryType.A, cancellationToken: Ct));
        await Assert.ThrowsAsync<DnsResponseException>(() => dns.CreateClient(useTcpOnly: true, timeout: shortTimeout).QueryAsync(service.Fqdn, QueryType.A, cancellationToken: Ct));
        Assert.False(dns.IsRunning);

        service.AddPod("web-1", LoopbackAddresses.Next());
        await dns.StartAgainAsync(Ct);

        var response = await dns.CreateClient().QueryAsync(service.Fqdn, QueryType.A, cancellationToken: Ct);
        Assert.Equal(endPoint, dns.EndPoint);
        Assert.Equal(2, response.Answers.ARecords().Count());
        Assert.Contains("knotd killed", dns.Log, StringComparison.Ordinal);
    }
}
