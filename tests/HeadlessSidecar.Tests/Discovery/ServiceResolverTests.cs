using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using Microsoft.Extensions.Logging.Abstractions;
using static HeadlessSidecar.Tests.Discovery.Dns;

namespace HeadlessSidecar.Tests.Discovery;

public class ServiceResolverTests
{
    private static readonly string[] s_podSearch = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"];

    private readonly FakeDnsQuerier _dns = new();

    private ServiceResolver Resolver(IReadOnlyList<string>? search = null, int ndots = 5) =>
        new(_dns, new EffectiveDnsSettings([new IPEndPoint(IPAddress.Loopback, 53)], search ?? s_podSearch, ndots, TimeSpan.FromSeconds(1)),
            NullLogger<ServiceResolver>.Instance);

    private static ServiceOptions SrvService(string host = Service + ".") =>
        new() { Name = "web", Host = host, PortName = "web", Listen = new IPEndPoint(IPAddress.Loopback, 18001) };

    private static ServiceOptions AddressService(string host = Service + ".", int port = 8080) =>
        new() { Name = "web", Host = host, Port = port, Listen = new IPEndPoint(IPAddress.Loopback, 18001) };

    private static PodEndpoint Known(string name, string address, int port = 80) =>
        new(name, PodNameParser.Parse(name).Ordinal, IPAddress.Parse(address), port, $"{name}.{Service}");

    private Task<ServiceResolution> ResolveAsync(ServiceOptions service, string? knownFqdn = null, IReadOnlyList<PodEndpoint>? known = null) =>
        Resolver().ResolveAsync(service, knownFqdn, known ?? [], CancellationToken.None);

    [Fact]
    public async Task ResolveAsync_SrvWithAdditional_PodsFromAdditionalWithoutMoreQueries()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, SrvAnswer(30, ("web-1", "10.0.0.2"), ("web-0", "10.0.0.1"), ("web-2", "10.0.0.3")));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(ResolutionResult.Success, result.Result);
        Assert.Equal(["web-0", "web-1", "web-2"], result.Pods.Select(p => p.Name));
        Assert.Equal([0, 1, 2], result.Pods.Select(p => p.Ordinal!.Value));
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], result.Pods.Select(p => p.Address.ToString()));
        Assert.All(result.Pods, p => Assert.Equal(80, p.Port));
        Assert.Equal($"web-0.{Service}", result.Pods[0].HostName);
        Assert.Equal(Service, result.Fqdn);
        Assert.Equal(Seconds(30), result.Ttl);
        Assert.False(result.IsPartial);
        Assert.Equal([(SrvName + ".", DnsQueryType.Srv)], _dns.Queries);
    }

    [Fact]
    public async Task ResolveAsync_SrvWithoutAdditional_QueriesEachTargetsAddresses()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(srv: [Srv(Pod("web-0"), port: 8080), Srv(Pod("web-1"), port: 8080)]))
            .Set(Pod("web-0"), DnsQueryType.A, DnsQueryResult.Success(addresses: [Address(Pod("web-0"), "10.0.0.1", ttl: 7)]))
            .Set(Pod("web-0"), DnsQueryType.Aaaa, DnsQueryResult.NoData())
            .Set(Pod("web-1"), DnsQueryType.A, DnsQueryResult.NoData())
            .Set(Pod("web-1"), DnsQueryType.Aaaa, DnsQueryResult.Success(addresses: [Address(Pod("web-1"), "fd00::2")]));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(ResolutionResult.Success, result.Result);
        Assert.Equal([("web-0", "10.0.0.1", 8080), ("web-1", "fd00::2", 8080)], result.Pods.Select(p => (p.Name, p.Address.ToString(), p.Port)));
        Assert.Equal(Seconds(7), result.Ttl);
        Assert.Equal(1, _dns.CountQueries(Pod("web-0"), DnsQueryType.A));
        Assert.Equal(1, _dns.CountQueries(Pod("web-1"), DnsQueryType.Aaaa));
    }

    [Fact]
    public async Task ResolveAsync_SrvAdditionalHasSomeTargets_QueriesOnlyTheOthers()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
                srv: [Srv(Pod("web-0")), Srv(Pod("web-1"))],
                additionalAddresses: [Address(Pod("web-0"), "10.0.0.1")]))
            .Set(Pod("web-1"), DnsQueryType.A, DnsQueryResult.Success(addresses: [Address(Pod("web-1"), "10.0.0.2")]))
            .Set(Pod("web-1"), DnsQueryType.Aaaa, DnsQueryResult.NoData());

        var result = await ResolveAsync(SrvService());

        Assert.Equal(["10.0.0.1", "10.0.0.2"], result.Pods.Select(p => p.Address.ToString()));
        Assert.Equal(0, _dns.CountQueries(Pod("web-0"), DnsQueryType.A));
    }

    [Fact]
    public async Task ResolveAsync_TargetWithIPv4AndIPv6_OnePodPreferringIPv4()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
            srv: [Srv(Pod("web-0"))],
            additionalAddresses: [Address(Pod("web-0"), "fd00::1"), Address(Pod("web-0"), "10.0.0.9"), Address(Pod("web-0"), "10.0.0.1")]));

        var result = await ResolveAsync(SrvService());

        var pod = Assert.Single(result.Pods);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), pod.Address);
    }

    [Fact]
    public async Task ResolveAsync_SrvMixedNames_SortedByOrdinalThenNameDuplicatesCollapsed()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
            srv: [Srv(Pod("web-10")), Srv(Pod("10-0-0-9")), Srv(Pod("web-2")), Srv(Pod("WEB-0")), Srv(Pod("db-2")), Srv(Pod("web-0")), Srv(Pod("a-x"))],
            additionalAddresses: [Address(Pod("web-10"), "10.0.0.10"), Address(Pod("10-0-0-9"), "10.0.0.9"), Address(Pod("web-2"), "10.0.0.2"),
                Address(Pod("web-0"), "10.0.0.1"), Address(Pod("db-2"), "10.0.1.2"), Address(Pod("a-x"), "10.0.2.1")]));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(["web-0", "db-2", "web-2", "web-10", "10-0-0-9", "a-x"], result.Pods.Select(p => p.Name));
        Assert.Null(result.Pods[^2].Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_SrvNoData_Empty()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.NoData(Seconds(5)));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(ResolutionResult.Empty, result.Result);
        Assert.Empty(result.Pods);
        Assert.Equal(Seconds(5), result.Ttl);
        Assert.Equal(Service, result.Fqdn);
    }

    [Fact]
    public async Task ResolveAsync_SrvNxDomain_NxDomainWithNegativeTtl()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.NxDomain(Seconds(3)));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(ResolutionResult.NxDomain, result.Result);
        Assert.Equal(Seconds(3), result.Ttl);
        Assert.Null(result.Fqdn);
    }

    [Fact]
    public async Task ResolveAsync_NxDomainWithoutSoa_DefaultNegativeTtl()
    {
        _dns.Unknown = DnsQueryResult.NxDomain();

        var result = await ResolveAsync(SrvService());

        Assert.Equal(ServiceResolver.DefaultNegativeTtl, result.Ttl);
    }

    [Fact]
    public async Task ResolveAsync_SrvError_ErrorNamingTheQuery()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Failed("SERVFAIL"));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(ResolutionResult.Error, result.Result);
        Assert.Equal($"SRV {SrvName}.: SERVFAIL", result.Error);
    }

    [Fact]
    public async Task ResolveAsync_SrvTargetRoot_Empty()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(srv: [Srv(".", ttl: 9)]));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(ResolutionResult.Empty, result.Result);
        Assert.Equal(Seconds(9), result.Ttl);
    }

    [Fact]
    public async Task ResolveAsync_ShortHostSearchListNxDomainThenSuccess_FirstAnsweringCandidateWins()
    {
        _dns.Set("_web._tcp.nginx-headless.svc.cluster.local", DnsQueryType.Srv, SrvAnswerUnder("nginx-headless.svc.cluster.local", 30, ("web-0", "10.0.0.1")))
            .Set("_web._tcp.nginx-headless.cluster.local", DnsQueryType.Srv, SrvAnswer(30, ("web-9", "10.0.0.9")));

        var result = await ResolveAsync(SrvService("nginx-headless"));

        Assert.Equal(ResolutionResult.Success, result.Result);
        Assert.Equal("nginx-headless.svc.cluster.local", result.Fqdn);
        Assert.Equal(["web-0"], result.Pods.Select(p => p.Name));
        Assert.Equal(
            ["_web._tcp.nginx-headless.default.svc.cluster.local.", "_web._tcp.nginx-headless.svc.cluster.local."],
            _dns.Queries.Select(q => q.Name));
    }

    [Fact]
    public async Task ResolveAsync_CandidateAnswersNoData_StopsThere()
    {
        _dns.Set("_web._tcp.nginx-headless.default.svc.cluster.local", DnsQueryType.Srv, DnsQueryResult.NoData(Seconds(5)))
            .Set("_web._tcp.nginx-headless.svc.cluster.local", DnsQueryType.Srv, SrvAnswer(30, ("web-0", "10.0.0.1")));

        var result = await ResolveAsync(SrvService("nginx-headless"));

        Assert.Equal(ResolutionResult.Empty, result.Result);
        Assert.Equal(Service, result.Fqdn);
        Assert.Single(_dns.Queries);
    }

    [Fact]
    public async Task ResolveAsync_CandidateFails_ErrorWithoutTryingLaterCandidates()
    {
        _dns.Set("_web._tcp.nginx-headless.default.svc.cluster.local", DnsQueryType.Srv, DnsQueryResult.Failed("timeout"));

        var result = await ResolveAsync(SrvService("nginx-headless"));

        Assert.Equal(ResolutionResult.Error, result.Result);
        Assert.Single(_dns.Queries);
    }

    [Fact]
    public async Task ResolveAsync_AllCandidatesNxDomain_NxDomainWithSmallestNegativeTtl()
    {
        _dns.Set("_web._tcp.nginx-headless.svc.cluster.local", DnsQueryType.Srv, DnsQueryResult.NxDomain(Seconds(2)));

        var result = await ResolveAsync(SrvService("nginx-headless"));

        Assert.Equal(ResolutionResult.NxDomain, result.Result);
        Assert.Equal(Seconds(2), result.Ttl);
        Assert.Equal(4, _dns.Queries.Count);
    }

    [Fact]
    public async Task ResolveAsync_BareNameCandidateRefused_StillNxDomain()
    {
        // An authoritative-only server (or CoreDNS without upstream) refuses the final "nginx-headless." candidate.
        _dns.Set("_web._tcp.nginx-headless", DnsQueryType.Srv, DnsQueryResult.Refused());

        var result = await ResolveAsync(SrvService("nginx-headless"));

        Assert.Equal(ResolutionResult.NxDomain, result.Result);
        Assert.Equal(Seconds(5), result.Ttl);
    }

    [Fact]
    public async Task ResolveAsync_RefusedThenAnswer_UsesTheAnswer()
    {
        _dns.Set("_web._tcp.nginx-headless.default.svc.cluster.local", DnsQueryType.Srv, DnsQueryResult.Refused())
            .Set("_web._tcp.nginx-headless.svc.cluster.local", DnsQueryType.Srv, SrvAnswerUnder("nginx-headless.svc.cluster.local", 30, ("web-0", "10.0.0.1")));

        var result = await ResolveAsync(SrvService("nginx-headless"));

        Assert.Equal(ResolutionResult.Success, result.Result);
        Assert.Equal("nginx-headless.svc.cluster.local", result.Fqdn);
    }

    [Fact]
    public async Task ResolveAsync_EveryCandidateRefused_Error()
    {
        _dns.Unknown = DnsQueryResult.Refused();

        var result = await ResolveAsync(SrvService("nginx-headless"));

        Assert.Equal(ResolutionResult.Error, result.Result);
        Assert.Equal("SRV _web._tcp.nginx-headless.default.svc.cluster.local.: REFUSED", result.Error);
    }

    [Fact]
    public async Task ResolveAsync_AddressHostRefusedEverywhere_Error()
    {
        _dns.Unknown = DnsQueryResult.Refused();

        var result = await ResolveAsync(AddressService());

        Assert.Equal(ResolutionResult.Error, result.Result);
    }

    [Fact]
    public async Task ResolveAsync_KnownFqdn_TriedFirst()
    {
        _dns.Set("_web._tcp.nginx-headless.svc.cluster.local", DnsQueryType.Srv, SrvAnswerUnder("nginx-headless.svc.cluster.local", 30, ("web-0", "10.0.0.1")));

        var result = await ResolveAsync(SrvService("nginx-headless"), knownFqdn: "nginx-headless.svc.cluster.local");

        Assert.Equal("nginx-headless.svc.cluster.local", result.Fqdn);
        Assert.Equal(["_web._tcp.nginx-headless.svc.cluster.local."], _dns.Queries.Select(q => q.Name));
    }

    [Fact]
    public async Task ResolveAsync_KnownFqdnGone_WalksTheOtherCandidates()
    {
        _dns.Set("_web._tcp.nginx-headless.cluster.local", DnsQueryType.Srv, SrvAnswerUnder("nginx-headless.cluster.local", 30, ("web-0", "10.0.0.1")));

        var result = await ResolveAsync(SrvService("nginx-headless"), knownFqdn: "nginx-headless.svc.cluster.local");

        Assert.Equal("nginx-headless.cluster.local", result.Fqdn);
        Assert.Equal(
            ["_web._tcp.nginx-headless.svc.cluster.local.", "_web._tcp.nginx-headless.default.svc.cluster.local.", "_web._tcp.nginx-headless.cluster.local."],
            _dns.Queries.Select(q => q.Name));
    }

    [Fact]
    public async Task ResolveAsync_ConfiguredHostWithTrailingDot_OnlyThatNameQueried()
    {
        var service = SrvService("nginx-headless");
        service.HostIsAbsolute = true;

        var result = await ResolveAsync(service);

        Assert.Equal(ResolutionResult.NxDomain, result.Result);
        Assert.Equal(["_web._tcp.nginx-headless."], _dns.Queries.Select(q => q.Name));
    }

    [Fact]
    public void Candidates_KnownFqdnNotACandidate_Ignored()
    {
        Assert.Equal(["nginx-headless."], Resolver().Candidates("nginx-headless.", "other.example"));
    }

    [Fact]
    public async Task ResolveAsync_OneTargetLookupFails_OthersKeptKnownPodKeepsItsAddressPartial()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
                srv: [Srv(Pod("web-0")), Srv(Pod("web-1")), Srv(Pod("web-2"))],
                additionalAddresses: [Address(Pod("web-0"), "10.0.0.1")]))
            .Set(Pod("web-1"), DnsQueryType.A, DnsQueryResult.Failed("timeout"))
            .Set(Pod("web-1"), DnsQueryType.Aaaa, DnsQueryResult.Failed("timeout"))
            .Set(Pod("web-2"), DnsQueryType.A, DnsQueryResult.Failed("SERVFAIL"))
            .Set(Pod("web-2"), DnsQueryType.Aaaa, DnsQueryResult.NoData());

        var result = await ResolveAsync(SrvService(), known: [Known("web-0", "10.0.0.1"), Known("web-1", "10.0.0.2")]);

        Assert.Equal(ResolutionResult.Success, result.Result);
        Assert.Equal([("web-0", "10.0.0.1"), ("web-1", "10.0.0.2")], result.Pods.Select(p => (p.Name, p.Address.ToString())));
        Assert.True(result.IsPartial);
        Assert.Equal(2, result.Warnings.Count);
    }

    [Fact]
    public async Task ResolveAsync_TargetWithoutAnyAddress_LeftOutNotPartial()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
            srv: [Srv(Pod("web-0")), Srv(Pod("web-1"))],
            additionalAddresses: [Address(Pod("web-0"), "10.0.0.1")]));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(["web-0"], result.Pods.Select(p => p.Name));
        Assert.False(result.IsPartial);
    }

    [Fact]
    public async Task ResolveAsync_EveryTargetLookupFailsNothingKnown_Error()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(srv: [Srv(Pod("web-0"))]))
            .Set(Pod("web-0"), DnsQueryType.A, DnsQueryResult.Failed("timeout"))
            .Set(Pod("web-0"), DnsQueryType.Aaaa, DnsQueryResult.Failed("timeout"));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(ResolutionResult.Error, result.Result);
        Assert.Contains("timeout", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_ManyTargetsWithoutAdditional_AllResolved()
    {
        var labels = Enumerable.Range(0, 200).Select(i => $"web-{i}").ToList();
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(srv: [.. labels.Select(l => Srv(Pod(l)))]));
        foreach (var (label, i) in labels.Select((l, i) => (l, i)))
        {
            _dns.Set(Pod(label), DnsQueryType.A, DnsQueryResult.Success(addresses: [Address(Pod(label), $"10.0.{i / 250}.{(i % 250) + 1}")]))
                .Set(Pod(label), DnsQueryType.Aaaa, DnsQueryResult.NoData());
        }

        var result = await ResolveAsync(SrvService());

        Assert.Equal(200, result.Pods.Count);
        Assert.Equal(Enumerable.Range(0, 200), result.Pods.Select(p => p.Ordinal!.Value));
    }

    [Fact]
    public async Task ResolveAsync_AddressesWithPtr_PodsNamedByPtrWithConfiguredPort()
    {
        _dns.Set(Service, DnsQueryType.A, A(30, "10.0.0.2", "10.0.0.1"))
            .Set(Service, DnsQueryType.Aaaa, DnsQueryResult.NoData())
            .Set(DnsNames.ReverseLookupName(IPAddress.Parse("10.0.0.1")), DnsQueryType.Ptr, DnsQueryResult.Success(ptr: [Ptr("10.0.0.1", Pod("web-0"), ttl: 12)]))
            .Set(DnsNames.ReverseLookupName(IPAddress.Parse("10.0.0.2")), DnsQueryType.Ptr, DnsQueryResult.Success(ptr: [Ptr("10.0.0.2", Pod("web-1"))]));

        var result = await ResolveAsync(AddressService());

        Assert.Equal(ResolutionResult.Success, result.Result);
        Assert.Equal([("web-0", 0, "10.0.0.1"), ("web-1", 1, "10.0.0.2")], result.Pods.Select(p => (p.Name, p.Ordinal!.Value, p.Address.ToString())));
        Assert.All(result.Pods, p => Assert.Equal(8080, p.Port));
        Assert.Equal($"web-0.{Service}", result.Pods[0].HostName);
        Assert.Equal(Seconds(12), result.Ttl);
    }

    [Fact]
    public async Task ResolveAsync_AddressWithoutPtr_DashedNameWithoutOrdinal()
    {
        _dns.Set(Service, DnsQueryType.A, A(30, "10.0.0.22"))
            .Set(Service, DnsQueryType.Aaaa, DnsQueryResult.Success(addresses: [Address(Service + ".", "fd00::1")]));

        var result = await ResolveAsync(AddressService());

        Assert.Equal([("10-0-0-22", (int?)null), ("fd00--1", null)], result.Pods.Select(p => (p.Name, p.Ordinal)));
        Assert.Equal($"10-0-0-22.{Service}", result.Pods[0].HostName);
        Assert.False(result.IsPartial);
    }

    [Fact]
    public async Task ResolveAsync_PtrRefused_DashedNameNotPartial()
    {
        _dns.Set(Service, DnsQueryType.A, DnsQueryResult.NoData())
            .Set(Service, DnsQueryType.Aaaa, DnsQueryResult.Success(addresses: [Address(Service + ".", "fd00::1")]))
            .Set(DnsNames.ReverseLookupName(IPAddress.Parse("fd00::1")), DnsQueryType.Ptr, DnsQueryResult.Refused());

        var result = await ResolveAsync(AddressService());

        Assert.Equal(["fd00--1"], result.Pods.Select(p => p.Name));
        Assert.False(result.IsPartial);
    }

    [Fact]
    public async Task ResolveAsync_TargetLookupRefused_LeftOutNotPartial()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
                srv: [Srv(Pod("web-0")), Srv("web-1.elsewhere.example.")],
                additionalAddresses: [Address(Pod("web-0"), "10.0.0.1")]))
            .Set("web-1.elsewhere.example.", DnsQueryType.A, DnsQueryResult.Refused())
            .Set("web-1.elsewhere.example.", DnsQueryType.Aaaa, DnsQueryResult.Refused());

        var result = await ResolveAsync(SrvService());

        Assert.Equal(["web-0"], result.Pods.Select(p => p.Name));
        Assert.False(result.IsPartial);
    }

    [Fact]
    public async Task ResolveAsync_DualStackPodWithPtrForBoth_OnePodPreferringIPv4()
    {
        _dns.Set(Service, DnsQueryType.A, A(30, "10.0.0.1"))
            .Set(Service, DnsQueryType.Aaaa, DnsQueryResult.Success(addresses: [Address(Service + ".", "fd00::1")]))
            .Set(DnsNames.ReverseLookupName(IPAddress.Parse("10.0.0.1")), DnsQueryType.Ptr, DnsQueryResult.Success(ptr: [Ptr("10.0.0.1", Pod("web-0"))]))
            .Set(DnsNames.ReverseLookupName(IPAddress.Parse("fd00::1")), DnsQueryType.Ptr, DnsQueryResult.Success(ptr: [Ptr("fd00::1", Pod("web-0"))]));

        var result = await ResolveAsync(AddressService());

        var pod = Assert.Single(result.Pods);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), pod.Address);
    }

    [Fact]
    public async Task ResolveAsync_PtrFails_KnownPodKeepsItsNameUnknownGetsDashedPartial()
    {
        _dns.Set(Service, DnsQueryType.A, A(30, "10.0.0.1", "10.0.0.2"))
            .Set(Service, DnsQueryType.Aaaa, DnsQueryResult.NoData())
            .Set(DnsNames.ReverseLookupName(IPAddress.Parse("10.0.0.1")), DnsQueryType.Ptr, DnsQueryResult.Failed("timeout"))
            .Set(DnsNames.ReverseLookupName(IPAddress.Parse("10.0.0.2")), DnsQueryType.Ptr, DnsQueryResult.Failed("timeout"));

        var result = await ResolveAsync(AddressService(), known: [Known("web-0", "10.0.0.1", 8080)]);

        Assert.Equal(ResolutionResult.Success, result.Result);
        Assert.Equal([("web-0", (int?)0), ("10-0-0-2", null)], result.Pods.Select(p => (p.Name, p.Ordinal)));
        Assert.True(result.IsPartial);
    }

    [Fact]
    public async Task ResolveAsync_AaaaFailsAAnswers_KnownIPv6PodsKeptPartial()
    {
        _dns.Set(Service, DnsQueryType.A, A(30, "10.0.0.1"))
            .Set(Service, DnsQueryType.Aaaa, DnsQueryResult.Failed("timeout"))
            .Set(DnsNames.ReverseLookupName(IPAddress.Parse("10.0.0.1")), DnsQueryType.Ptr, DnsQueryResult.Success(ptr: [Ptr("10.0.0.1", Pod("web-0"))]));

        var result = await ResolveAsync(AddressService(), known: [Known("web-0", "10.0.0.1", 8080), Known("web-1", "fd00::2", 8080)]);

        Assert.Equal([("web-0", "10.0.0.1"), ("web-1", "fd00::2")], result.Pods.Select(p => (p.Name, p.Address.ToString())));
        Assert.True(result.IsPartial);
    }

    [Fact]
    public async Task ResolveAsync_AFailsAaaaNoData_Error()
    {
        _dns.Set(Service, DnsQueryType.A, DnsQueryResult.Failed("REFUSED"))
            .Set(Service, DnsQueryType.Aaaa, DnsQueryResult.NoData());

        var result = await ResolveAsync(AddressService());

        Assert.Equal(ResolutionResult.Error, result.Result);
        Assert.Equal($"A {Service}.: REFUSED", result.Error);
    }

    [Fact]
    public async Task ResolveAsync_ANoDataAaaaNoData_Empty()
    {
        _dns.Set(Service, DnsQueryType.A, DnsQueryResult.NoData(Seconds(4)))
            .Set(Service, DnsQueryType.Aaaa, DnsQueryResult.NoData(Seconds(6)));

        var result = await ResolveAsync(AddressService());

        Assert.Equal(ResolutionResult.Empty, result.Result);
        Assert.Equal(Seconds(4), result.Ttl);
    }

    [Fact]
    public async Task ResolveAsync_Cancelled_Throws()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, SrvAnswer(30, ("web-0", "10.0.0.1")));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Resolver().ResolveAsync(SrvService(), null, [], new CancellationToken(canceled: true)));
    }
    [Fact]
    public async Task ResolveAsync_TargetOutsideTheServiceWithGlue_LeftOutNeverLookedUpAndCounted()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
                srv: [Srv(Pod("web-0")), Srv("canary.example.com."), Srv("web-1.other.default.svc.cluster.local.")],
                additionalAddresses: [Address(Pod("web-0"), "10.0.0.1"), Address("canary.example.com.", "10.9.9.9"),
                    Address("web-1.other.default.svc.cluster.local.", "10.9.9.8")]))
            .Set("canary.example.com", DnsQueryType.A, A(30, "10.9.9.9"));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(ResolutionResult.Success, result.Result);
        Assert.Equal([("web-0", "10.0.0.1")], result.Pods.Select(p => (p.Name, p.Address.ToString())));
        Assert.Equal(4, result.Rejections.OutOfDomain);
        Assert.Equal([(SrvName + ".", DnsQueryType.Srv)], _dns.Queries);
    }

    [Fact]
    public async Task ResolveAsync_GlueForTheTargetUnderAnotherSpelling_NotUsedForIt()
    {
        // Glue owned by a name that only looks like the target (a suffix of it) must not stand in for it.
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
                srv: [Srv(Pod("web-0"))],
                additionalAddresses: [Address("x" + Pod("web-0"), "10.9.9.9")]))
            .Set(Pod("web-0"), DnsQueryType.A, A(30, "10.0.0.1"))
            .Set(Pod("web-0"), DnsQueryType.Aaaa, DnsQueryResult.NoData());

        var result = await ResolveAsync(SrvService());

        Assert.Equal(["10.0.0.1"], result.Pods.Select(p => p.Address.ToString()));
        Assert.Equal(1, result.Rejections.OutOfDomain);
    }

    [Fact]
    public async Task ResolveAsync_EveryTargetOutsideTheService_ErrorSoTheLastGoodSetStays()
    {
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
            srv: [Srv("canary.example.com.")], additionalAddresses: [Address("canary.example.com.", "10.9.9.9")]));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(ResolutionResult.Error, result.Result);
        Assert.Contains("out_of_domain", result.Error, StringComparison.Ordinal);
        Assert.Equal(2, result.Rejections.OutOfDomain);
    }

    [Fact]
    public async Task ResolveAsync_TargetIsTheServiceNameItself_InDomain()
    {
        // A ClusterIP Service's SRV names the Service itself.
        _dns.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
            srv: [Srv(Service + ".")], additionalAddresses: [Address(Service + ".", "10.0.0.1")]));

        var result = await ResolveAsync(SrvService());

        Assert.Equal(["10.0.0.1"], result.Pods.Select(p => p.Address.ToString()));
        Assert.True(result.Rejections.IsEmpty);
    }

    [Fact]
    public async Task ResolveAsync_PtrIntoAnotherDomain_NameDroppedPodKept()
    {
        _dns.Set(Service, DnsQueryType.A, A(30, "10.0.0.1"))
            .Set(Service, DnsQueryType.Aaaa, DnsQueryResult.NoData())
            .Set(DnsNames.ReverseLookupName(IPAddress.Parse("10.0.0.1")), DnsQueryType.Ptr,
                DnsQueryResult.Success(ptr: [Ptr("10.0.0.1", "web-0.evil.example.com.")]));

        var result = await ResolveAsync(AddressService());

        var pod = Assert.Single(result.Pods);
        Assert.Equal("10-0-0-1", pod.Name);
        Assert.Null(pod.Ordinal);
        Assert.Equal($"10-0-0-1.{Service}", pod.HostName);
        Assert.Equal(1, result.Rejections.OutOfDomain);
    }

    [Fact]
    public async Task ResolveAsync_QuerierRejections_AddedUpAcrossCandidatesAndLookups()
    {
        _dns.Set("_web._tcp.nginx-headless.default.svc.cluster.local", DnsQueryType.Srv,
                DnsQueryResult.NxDomain(Seconds(5)).WithRejections(DnsRejections.Of(DnsRejectReason.MismatchedAnswer, 2)))
            .Set("_web._tcp.nginx-headless.svc.cluster.local", DnsQueryType.Srv,
                DnsQueryResult.Rejected(DnsRejectReason.MalformedName, "malformed name in an SRV target"));

        var result = await ResolveAsync(SrvService("nginx-headless"));

        Assert.Equal(ResolutionResult.Error, result.Result);
        Assert.Equal(new DnsRejections(2, 1, 0, 0), result.Rejections);
    }

    [Theory]
    [InlineData("web-0.nginx-headless.default.svc.cluster.local.", true)]
    [InlineData("nginx-headless.default.svc.cluster.local.", true)]
    [InlineData("xnginx-headless.default.svc.cluster.local.", false)]
    [InlineData("default.svc.cluster.local.", false)]
    [InlineData("web-0.other.default.svc.cluster.local.", false)]
    [InlineData(".", false)]
    public void IsInDomain_Name_InsideOnlyAtALabelBoundary(string name, bool expected)
    {
        Assert.Equal(expected, ServiceResolver.IsInDomain(name, Service + "."));
    }
}
