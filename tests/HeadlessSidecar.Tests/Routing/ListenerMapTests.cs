using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Routing;
using HeadlessSidecar.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeadlessSidecar.Tests.Routing;

public sealed class ListenerMapTests : IDisposable
{
    private readonly ServiceRuntimeRegistry _registry;
    private readonly ListenerMap _map;

    public ListenerMapTests()
    {
        var web = TestServices.Options("web", "nginx-headless");
        var db = TestServices.Options("db", "mysql-headless");
        db.Listen = new IPEndPoint(IPAddress.Parse("127.0.0.2"), 18002);
        var any = TestServices.Options("any", "redis-headless");
        any.Listen = new IPEndPoint(IPAddress.Any, 18003);
        var options = new SidecarOptions { Services = [web, db, any] };
        _registry = new ServiceRuntimeRegistry(options, new EndpointRegistry(options), TestServices.Metrics, TimeProvider.System, NullLoggerFactory.Instance);
        _map = new ListenerMap(_registry);
    }

    public void Dispose() => _registry.Dispose();

    [Fact]
    public void Find_IPv4Listener_FindsItsService()
    {
        Assert.Equal("web", _map.Find(IPAddress.Loopback, 18001)!.Services.Single().Name);
        Assert.Equal("db", _map.Find(IPAddress.Parse("127.0.0.2"), 18002)!.Services.Single().Name);
    }

    [Fact]
    public void Find_IPv4MappedAddress_FindsTheIPv4Listener()
    {
        Assert.Equal("db", _map.Find(IPAddress.Parse("::ffff:127.0.0.2"), 18002)!.Services.Single().Name);
        Assert.Equal("web", _map.Find(IPAddress.Loopback.MapToIPv6(), 18001)!.Services.Single().Name);
    }

    [Fact]
    public void Find_OtherAddressOrPort_IsNull()
    {
        Assert.Null(_map.Find(IPAddress.Parse("127.0.0.2"), 18001));
        Assert.Null(_map.Find(IPAddress.Loopback, 18009));
        Assert.Null(_map.Find(IPAddress.IPv6Loopback, 18001));
    }

    [Fact]
    public void Find_WildcardListener_AnswersAnyAddress()
    {
        Assert.Equal("any", _map.Find(IPAddress.Parse("10.1.2.3"), 18003)!.Services.Single().Name);
        Assert.Equal("any", _map.Find(IPAddress.Parse("::ffff:10.1.2.3"), 18003)!.Services.Single().Name);
        Assert.Equal("any", _map.Find(null, 18003)!.Services.Single().Name);
    }

    [Fact]
    public void Find_OrdinalPort_PinsTheOrdinal()
    {
        var web = _registry.Services["web"];
        _map.AddOrdinalPort(18101, web, 1);
        var binding = _map.Find(IPAddress.Loopback, 18101)!;
        Assert.Same(web, binding.Services.Single());
        Assert.Equal(1, binding.Ordinal);
    }

    [Fact]
    public void Find_SameListenerAgainThenAnother_EachFindsItsOwn()
    {
        // The second lookup of an address is answered from the remembered last match; a different one must not be.
        Assert.Equal("web", _map.Find(IPAddress.Loopback, 18001)!.Services.Single().Name);
        Assert.Equal("web", _map.Find(IPAddress.Parse("127.0.0.1"), 18001)!.Services.Single().Name);
        Assert.Null(_map.Find(IPAddress.Loopback.MapToIPv6(), 18002));
        Assert.Equal("db", _map.Find(IPAddress.Parse("127.0.0.2"), 18002)!.Services.Single().Name);
        Assert.Null(_map.Find(IPAddress.Parse("127.0.0.2"), 18001));
    }

    [Fact]
    public void Find_AfterRebuild_ForgetsTheLastMatch()
    {
        Assert.Equal("web", _map.Find(IPAddress.Loopback, 18001)!.Services.Single().Name);
        _map.Rebuild([_registry.Services["db"]], new Dictionary<IPEndPoint, ListenerBinding>());
        Assert.Null(_map.Find(IPAddress.Loopback, 18001));
    }
}
