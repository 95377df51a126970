using System.Net;
using DnsClient;
using DnsClient.Protocol;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

/// <summary>The answers Knot gives for a <see cref="ClusterZone"/> have CoreDNS's kubernetes-plugin shape.</summary>
public sealed class KnotDnsServerShapeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Srv_ThreeReadyPods_OneRecordPerPodWithPriorityZeroWeight33PortAndPodTarget()
    {
        var (zone, service) = StatefulSet(3);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var response = await dns.CreateClient().QueryAsync(service.SrvName("web"), QueryType.SRV, cancellationToken: Ct);

        Assert.False(response.HasError, response.ErrorMessage);
        var records = response.Answers.SrvRecords().OrderBy(r => r.Target.Value, StringComparer.Ordinal).ToList();
        Assert.Equal(3, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal(0, r.Priority);
            Assert.Equal(33, r.Weight);
            Assert.Equal(80, r.Port);
            Assert.Equal(5, r.InitialTimeToLive);
        });
        Assert.Equal(
            ["web-0.nginx-headless.default.svc.cluster.local.", "web-1.nginx-headless.default.svc.cluster.local.", "web-2.nginx-headless.default.svc.cluster.local."],
            records.Select(r => r.Target.Value));
    }

    [Fact]
    public async Task Srv_ThreeReadyPods_AdditionalSectionHoldsEachTargetsAddress()
    {
        var (zone, service) = StatefulSet(3);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var response = await dns.CreateClient().QueryAsync(service.SrvName("web"), QueryType.SRV, cancellationToken: Ct);

        var additional = response.Additionals.ARecords().ToDictionary(r => r.DomainName.Value, r => r.Address);
        Assert.Equal(3, additional.Count);
        foreach (var pod in service.Pods)
        {
            Assert.Equal(pod.Address, additional[service.PodFqdn(pod) + "."]);
        }
    }

    [Fact]
    public async Task Srv_TwoNamedPorts_EachPortHasItsOwnRecordsAndOtherNamesAreNxDomain()
    {
        var zone = new ClusterZone();
        var service = zone.AddService("kafka-headless", "data", ("client", 9092), ("metrics", 9404));
        service.AddPod("kafka-0", LoopbackAddresses.Next());
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        var client = dns.CreateClient();

        var metrics = await client.QueryAsync(service.SrvName("metrics"), QueryType.SRV, cancellationToken: Ct);
        var wrongPort = await client.QueryAsync(service.SrvName("web"), QueryType.SRV, cancellationToken: Ct);
        var udp = await client.QueryAsync("_client._udp." + service.Fqdn, QueryType.SRV, cancellationToken: Ct);

        var record = Assert.Single(metrics.Answers.SrvRecords());
        Assert.Equal((100, 9404), (record.Weight, record.Port));
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, wrongPort.Header.ResponseCode);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, udp.Header.ResponseCode);
    }

    [Fact]
    public async Task Srv_BareServiceName_OneRecordPerPodAndPortWithSharedWeight()
    {
        var zone = new ClusterZone();
        var service = zone.AddService("kafka-headless", "data", ("client", 9092), ("metrics", 9404));
        service.AddPod("kafka-0", LoopbackAddresses.Next());
        service.AddPod("kafka-1", LoopbackAddresses.Next());
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var response = await dns.CreateClient().QueryAsync(service.Fqdn, QueryType.SRV, cancellationToken: Ct);

        var records = response.Answers.SrvRecords().Select(r => (r.Target.Value, r.Port, r.Weight)).Order().ToList();
        Assert.Equal(
            [
                ("kafka-0.kafka-headless.data.svc.cluster.local.", 9092, 25),
                ("kafka-0.kafka-headless.data.svc.cluster.local.", 9404, 25),
                ("kafka-1.kafka-headless.data.svc.cluster.local.", 9092, 25),
                ("kafka-1.kafka-headless.data.svc.cluster.local.", 9404, 25),
            ],
            records.Select(r => (r.Value, (int)r.Port, (int)r.Weight)));
    }

    [Fact]
    public async Task A_ServiceName_OneRecordPerReadyPodOnly()
    {
        var (zone, service) = StatefulSet(3);
        service.Pod("web-1").Ready = false;
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var response = await dns.CreateClient().QueryAsync(service.Fqdn, QueryType.A, cancellationToken: Ct);

        Assert.Equal(
            new[] { service.Pod("web-0").Address, service.Pod("web-2").Address }.Order(IpComparer.Instance),
            response.Answers.ARecords().Select(r => r.Address).Order(IpComparer.Instance));
    }

    [Fact]
    public async Task A_PodName_AnswersThatPodsAddressWhileReady()
    {
        var (zone, service) = StatefulSet(2);
        service.Pod("web-0").Ready = false;
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        var client = dns.CreateClient();

        var ready = await client.QueryAsync(service.PodFqdn("web-1"), QueryType.A, cancellationToken: Ct);
        var notReady = await client.QueryAsync(service.PodFqdn("web-0"), QueryType.A, cancellationToken: Ct);

        Assert.Equal(service.Pod("web-1").Address, Assert.Single(ready.Answers.ARecords()).Address);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, notReady.Header.ResponseCode);
    }

    [Fact]
    public async Task Srv_DeploymentPodsWithoutHostname_TargetsAreDashedAddresses()
    {
        var zone = new ClusterZone();
        var service = zone.AddService("api", "default", ("http", 8080));
        var address = IPAddress.Parse("127.0.0.22");
        service.AddPod("api-7d9f8-abcde", address, hasHostname: false);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        var client = dns.CreateClient();

        var srv = await client.QueryAsync(service.SrvName("http"), QueryType.SRV, cancellationToken: Ct);
        var a = await client.QueryAsync("127-0-0-22.api.default.svc.cluster.local", QueryType.A, cancellationToken: Ct);

        Assert.Equal("127-0-0-22.api.default.svc.cluster.local.", Assert.Single(srv.Answers.SrvRecords()).Target.Value);
        Assert.Equal(address, Assert.Single(a.Answers.ARecords()).Address);
    }

    [Fact]
    public async Task Ptr_PodAddress_AnswersPodFqdn()
    {
        var (zone, service) = StatefulSet(2);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var response = await dns.CreateClient().QueryReverseAsync(service.Pod("web-1").Address, Ct);

        Assert.Equal(service.PodFqdn("web-1") + ".", Assert.Single(response.Answers.PtrRecords()).PtrDomainName.Value);
    }

    [Fact]
    public async Task AaaaAndPtr_Ipv6PodWithoutHostname_DashedIpv6NameAndIp6ArpaPointer()
    {
        var zone = new ClusterZone();
        var service = zone.AddService("v6", "default", ("http", 80));
        var address = IPAddress.Parse("fd00::1");
        service.AddPod("v6-abc", address, hasHostname: false);
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        var client = dns.CreateClient();

        var serviceAaaa = await client.QueryAsync(service.Fqdn, QueryType.AAAA, cancellationToken: Ct);
        var serviceA = await client.QueryAsync(service.Fqdn, QueryType.A, cancellationToken: Ct);
        var podAaaa = await client.QueryAsync("fd00--1.v6.default.svc.cluster.local", QueryType.AAAA, cancellationToken: Ct);
        var ptr = await client.QueryReverseAsync(address, Ct);

        Assert.Equal(address, Assert.Single(serviceAaaa.Answers.AaaaRecords()).Address);
        Assert.Equal((DnsHeaderResponseCode.NoError, 0), (serviceA.Header.ResponseCode, serviceA.Answers.Count));
        Assert.Equal(address, Assert.Single(podAaaa.Answers.AaaaRecords()).Address);
        Assert.Equal("fd00--1.v6.default.svc.cluster.local.", Assert.Single(ptr.Answers.PtrRecords()).PtrDomainName.Value);
    }

    [Fact]
    public async Task A_MissingService_IsNxDomainWithNegativeTtlInSoa()
    {
        var (zone, _) = StatefulSet(1);
        zone.NegativeTtl = 3;
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var response = await dns.CreateClient().QueryAsync("missing.default.svc.cluster.local", QueryType.A, cancellationToken: Ct);

        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, response.Header.ResponseCode);
        var soa = Assert.Single(response.Authorities.SoaRecords());
        Assert.Equal((3u, 3), (soa.Minimum, soa.InitialTimeToLive));
    }

    [Fact]
    public async Task AAndSrv_ServiceWithoutReadyPods_IsNoData()
    {
        var (zone, service) = StatefulSet(2);
        foreach (var pod in service.Pods)
        {
            pod.Ready = false;
        }

        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        var client = dns.CreateClient();

        foreach (var (name, type) in new[] { (service.Fqdn, QueryType.A), (service.Fqdn, QueryType.AAAA), (service.Fqdn, QueryType.SRV), (service.SrvName("web"), QueryType.SRV) })
        {
            var response = await client.QueryAsync(name, type, cancellationToken: Ct);
            Assert.True(response.Header.ResponseCode == DnsHeaderResponseCode.NoError, $"{name} {type}: {response.Header.ResponseCode}");
            Assert.Empty(response.Answers);
            Assert.Single(response.Authorities.SoaRecords());
        }
    }

    [Fact]
    public async Task AAndSrv_EmptyServiceWithIgnoreEmptyService_IsNxDomain()
    {
        var zone = new ClusterZone { EmptyServiceAnswer = EmptyServiceAnswer.NxDomain };
        var service = zone.AddService("nginx-headless", "default", ("web", 80));
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);
        var client = dns.CreateClient();

        var a = await client.QueryAsync(service.Fqdn, QueryType.A, cancellationToken: Ct);
        var srv = await client.QueryAsync(service.SrvName("web"), QueryType.SRV, cancellationToken: Ct);

        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, a.Header.ResponseCode);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, srv.Header.ResponseCode);
    }

    [Fact]
    public async Task A_PublishNotReadyAddresses_ServesNotReadyPods()
    {
        var (zone, service) = StatefulSet(2);
        service.Pod("web-0").Ready = false;
        service.PublishNotReadyAddresses = true;
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var response = await dns.CreateClient().QueryAsync(service.Fqdn, QueryType.A, cancellationToken: Ct);

        Assert.Equal(2, response.Answers.ARecords().Count());
    }

    [Fact]
    public async Task A_TtlOne_RecordsCarryTtlOne()
    {
        var (zone, service) = StatefulSet(1);
        zone.Ttl = 1;
        await using var dns = await KnotDnsServer.StartAsync(zone, Ct);

        var response = await dns.CreateClient().QueryAsync(service.SrvName("web"), QueryType.SRV, cancellationToken: Ct);

        Assert.Equal(1, Assert.Single(response.Answers.SrvRecords()).InitialTimeToLive);
        Assert.Equal(1, Assert.Single(response.Additionals.ARecords()).InitialTimeToLive);
    }

    internal static (ClusterZone Zone, HeadlessService Service) StatefulSet(int replicas)
    {
        var zone = new ClusterZone();
        var service = zone.AddService("nginx-headless", "default", ("web", 80));
        for (var i = 0; i < replicas; i++)
        {
            service.AddPod($"web-{i}", LoopbackAddresses.Next());
        }

        return (zone, service);
    }
}
