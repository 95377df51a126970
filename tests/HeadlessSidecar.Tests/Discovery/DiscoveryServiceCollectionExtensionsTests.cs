using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static HeadlessSidecar.Tests.Discovery.Dns;

namespace HeadlessSidecar.Tests.Discovery;

public class DiscoveryServiceCollectionExtensionsTests
{
    private static ServiceCollection HostServices()
    {
        var options = new SidecarOptions
        {
            Dns = new DnsOptions { Servers = [new IPEndPoint(IPAddress.Loopback, 5353)], Search = [], Ndots = 1 },
            Services = [new ServiceOptions { Name = "web", Host = Service, PortName = "web", Listen = new IPEndPoint(IPAddress.Loopback, 18001) }],
        };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(options);
        services.AddSingleton(new EndpointRegistry(options));
        return services;
    }

    [Fact]
    public void AddDiscovery_HostServices_ResolvesEverythingWithDnsClient()
    {
        using var provider = HostServices().AddDiscovery().BuildServiceProvider();

        Assert.IsType<DnsWireQuerier>(provider.GetRequiredService<IDnsQuerier>());
        Assert.Single(provider.GetRequiredService<ServiceWatchers>().All);
        Assert.Contains(provider.GetServices<IHostedService>(), s => s is DiscoveryHostedService);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 5353)], provider.GetRequiredService<EffectiveDnsSettings>().Servers);
    }

    [Fact]
    public void AddDiscovery_CalledTwice_OneHostedService()
    {
        using var provider = HostServices().AddDiscovery().AddDiscovery().BuildServiceProvider();

        Assert.Single(provider.GetServices<IHostedService>(), s => s is DiscoveryHostedService);
    }

    [Fact]
    public async Task AddDiscovery_QuerierRegisteredFirst_HostedServiceUsesIt()
    {
        var fake = new FakeDnsQuerier().Set(SrvName, DnsQueryType.Srv, SrvAnswer(30, ("web-0", "10.0.0.1")));
        var services = HostServices();
        services.AddSingleton<IDnsQuerier>(fake);
        await using var provider = services.AddDiscovery().BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().OfType<DiscoveryHostedService>().Single();

        await hosted.StartAsync(TestContext.Current.CancellationToken);
        var snapshot = await provider.GetRequiredService<ServiceWatchers>()["web"].FirstResolution.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await hosted.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["web-0"], snapshot.Pods.Select(p => p.Name));
        Assert.Same(snapshot, provider.GetRequiredService<EndpointRegistry>()["web"].Current);
        Assert.True(provider.GetRequiredService<EndpointRegistry>().AllReady);
    }
}
