using HeadlessSidecar.Routing;
using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.Tests.Routing;

public class RouteResolverTests
{
    [Theory]
    [InlineData("0", "web-0")]
    [InlineData("2", "web-2")]
    [InlineData(" 1 ", "web-1")]
    public void Resolve_OrdinalHeader_PinsPod(string header, string pod)
    {
        using var web = TestServices.Web(0, 1, 2);
        var decision = RouteResolver.Resolve(web, header, "127.0.0.1:18001", null);
        Assert.Equal(RouteKind.Pinned, decision.Kind);
        Assert.Equal(pod, decision.Pod!.Name);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("one")]
    [InlineData("")]
    [InlineData("1.0")]
    [InlineData("99999999999")]
    public void Resolve_BadOrdinalHeader_Is400(string header)
    {
        using var web = TestServices.Web(0, 1, 2);
        var decision = RouteResolver.Resolve(web, header, null, null);
        Assert.Equal(RouteKind.Error, decision.Kind);
        Assert.Same(ProxyError.BadOrdinal, decision.Error);
        Assert.Equal(400, decision.Error!.Status);
    }

    [Fact]
    public void Resolve_TwoOrdinalHeaders_Is400()
    {
        using var web = TestServices.Web(0, 1);
        var decision = RouteResolver.Resolve(web, new StringValues(["0", "1"]), null, null);
        Assert.Same(ProxyError.BadOrdinal, decision.Error);
    }

    [Fact]
    public void Resolve_AbsentOrdinal_IsPodUnavailable()
    {
        using var web = TestServices.Web(0, 1, 2);
        var decision = RouteResolver.Resolve(web, "7", null, null);
        Assert.Same(ProxyError.PodUnavailable, decision.Error);
        Assert.Contains("ordinal 7", decision.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_HeaderBeatsHost()
    {
        using var web = TestServices.Web(0, 1, 2);
        var decision = RouteResolver.Resolve(web, "0", "web-2.nginx-headless", null);
        Assert.Equal("web-0", decision.Pod!.Name);
    }

    [Theory]
    [InlineData("web-2.nginx-headless")]
    [InlineData("web-2.nginx-headless:80")]
    [InlineData("web-2.nginx-headless.default")]
    [InlineData("web-2.nginx-headless.default.svc")]
    [InlineData("web-2.nginx-headless.default.svc.cluster.local")]
    [InlineData("WEB-2.Nginx-Headless.default.svc.cluster.local.")]
    [InlineData("web-2")]
    public void Resolve_HostNamingPod_PinsIt(string host)
    {
        using var web = TestServices.Web(0, 1, 2);
        var decision = RouteResolver.Resolve(web, default, host, null);
        Assert.Equal(RouteKind.Pinned, decision.Kind);
        Assert.Equal("web-2", decision.Pod!.Name);
    }

    [Fact]
    public void Resolve_HostNamingAbsentPod_IsPodUnavailable()
    {
        using var web = TestServices.Web(0, 1, 2);
        var decision = RouteResolver.Resolve(web, default, "web-9.nginx-headless", null);
        Assert.Same(ProxyError.PodUnavailable, decision.Error);
        Assert.Contains("web-9", decision.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nginx-headless")]
    [InlineData("nginx-headless.default.svc.cluster.local:80")]
    [InlineData("127.0.0.1:18001")]
    [InlineData("localhost")]
    [InlineData("example.com")]
    [InlineData("web-9")]
    [InlineData("web-2.other-service")]
    [InlineData(null)]
    public void Resolve_HostNotNamingPod_IsBalanced(string? host)
    {
        using var web = TestServices.Web(0, 1, 2);
        Assert.Equal(RouteKind.Balanced, RouteResolver.Resolve(web, default, host, null).Kind);
    }

    [Fact]
    public void Resolve_OrdinalPort_PinsAndBeatsHost()
    {
        using var web = TestServices.Web(0, 1, 2);
        var decision = RouteResolver.Resolve(web, default, "web-2.nginx-headless", 1);
        Assert.Equal("web-1", decision.Pod!.Name);
    }

    [Fact]
    public void Resolve_OrdinalPortOfAbsentPod_IsPodUnavailable()
    {
        using var web = TestServices.Web(0, 1);
        Assert.Same(ProxyError.PodUnavailable, RouteResolver.Resolve(web, default, null, 2).Error);
    }

    [Fact]
    public void Resolve_DashedIpPod_PinsByNameAndHasNoOrdinal()
    {
        var options = TestServices.Options();
        var (runtime, _) = TestServices.Create(options, "nginx-headless.default.svc.cluster.local",
            TestServices.Pod("127-0-0-22", null, "127.0.0.22"));
        using (runtime)
        {
            var decision = RouteResolver.Resolve(runtime, default, "127-0-0-22.nginx-headless", null);
            Assert.Equal("127-0-0-22", decision.Pod!.Name);
            Assert.Same(ProxyError.PodUnavailable, RouteResolver.Resolve(runtime, "0", null, null).Error);
        }
    }

    [Fact]
    public void SelectService_SharedListener_PicksByHost()
    {
        using var web = TestServices.Web(0, 1);
        var (api, _) = TestServices.Create(TestServices.Options("api", "api-headless"), "api-headless.default.svc.cluster.local",
            TestServices.Pod("api-0", 0, "127.0.0.31", "api-headless.default.svc.cluster.local"));
        using (api)
        {
            var services = new[] { web, api };
            Assert.Same(api, RouteResolver.SelectService(services, "api-headless.default:8080"));
            Assert.Same(api, RouteResolver.SelectService(services, "api-0.api-headless"));
            Assert.Same(api, RouteResolver.SelectService(services, "api-0"));
            Assert.Same(web, RouteResolver.SelectService(services, "web-1.nginx-headless"));
            Assert.Null(RouteResolver.SelectService(services, "127.0.0.1:18001"));
            Assert.Null(RouteResolver.SelectService(services, "other-headless"));
        }
    }

    [Fact]
    public void Resolve_AfterScaleDown_PodIsUnavailable()
    {
        var options = TestServices.Options();
        var pods = new[] { TestServices.Pod("web-0", 0, "127.0.0.21"), TestServices.Pod("web-1", 1, "127.0.0.22") };
        var (runtime, endpoints) = TestServices.Create(options, "nginx-headless.default.svc.cluster.local", pods);
        using (runtime)
        {
            var before = RouteResolver.Resolve(runtime, "1", null, null).Pod!;
            endpoints.Publish(TestServices.Snapshot("web", "nginx-headless.default.svc.cluster.local", [pods[0]], 2));
            Assert.True(before.Removed);
            Assert.Same(ProxyError.PodUnavailable, RouteResolver.Resolve(runtime, "1", null, null).Error);
        }
    }

    [Fact]
    public void Resolve_AfterIpChange_PinsNewPodState()
    {
        var options = TestServices.Options();
        var (runtime, endpoints) = TestServices.Create(options, "nginx-headless.default.svc.cluster.local", TestServices.Pod("web-0", 0, "127.0.0.21"));
        using (runtime)
        {
            var before = RouteResolver.Resolve(runtime, "0", null, null).Pod!;
            endpoints.Publish(TestServices.Snapshot("web", "nginx-headless.default.svc.cluster.local", [TestServices.Pod("web-0", 0, "127.0.0.41")], 2));
            var after = RouteResolver.Resolve(runtime, "0", null, null).Pod!;
            Assert.NotSame(before, after);
            Assert.True(before.Removed);
            Assert.Equal("http://127.0.0.41:80", after.Pool.DestinationPrefix);
        }
    }
}
