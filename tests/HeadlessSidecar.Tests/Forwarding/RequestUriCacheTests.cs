using HeadlessSidecar.Forwarding;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Tests.Forwarding;

public sealed class RequestUriCacheTests
{
    private const string Prefix = "http://10.0.0.7:50051";

    [Theory]
    [InlineData("/test.Pods/Echo")]
    [InlineData("/a b/ü%2F?x")]
    [InlineData("/")]
    public void Get_AnyPath_SameUriAsYarpBuilds(string path)
    {
        var cache = new RequestUriCache(Prefix);

        var uri = cache.Get(path);

        var expected = RequestUtilities.MakeDestinationAddress(Prefix, new PathString(path), QueryString.Empty);
        Assert.Equal(expected.AbsoluteUri, uri.AbsoluteUri);
    }

    [Fact]
    public void Get_SamePathTwice_ReturnsTheCachedInstance()
    {
        var cache = new RequestUriCache(Prefix);

        var first = cache.Get("/test.Pods/Echo");
        var second = cache.Get(new string("/test.Pods/Echo".AsSpan()));

        Assert.Same(first, second);
    }

    [Fact]
    public void Get_PastCapacity_BuildsWithoutCaching()
    {
        var cache = new RequestUriCache(Prefix);
        for (var i = 0; i < RequestUriCache.Capacity; i++)
        {
            cache.Get($"/items/{i}");
        }

        var first = cache.Get("/items/overflow");
        var second = cache.Get("/items/overflow");

        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Same(cache.Get("/items/0"), cache.Get("/items/0"));
    }
}
