using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

public class HostNameExpanderTests
{
    private static readonly string[] s_podSearch = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"];

    [Fact]
    public void Expand_ShortNameNdots5_SearchFirstThenAsIs()
    {
        Assert.Equal(
            ["nginx-headless.default.svc.cluster.local.", "nginx-headless.svc.cluster.local.", "nginx-headless.cluster.local.", "nginx-headless."],
            HostNameExpander.Expand("nginx-headless", s_podSearch, 5));
    }

    [Fact]
    public void Expand_NameWithNamespaceNdots5_SearchFirstThenAsIs()
    {
        Assert.Equal(
            ["nginx-headless.default.default.svc.cluster.local.", "nginx-headless.default.svc.cluster.local.",
             "nginx-headless.default.cluster.local.", "nginx-headless.default."],
            HostNameExpander.Expand("nginx-headless.default", s_podSearch, 5));
    }

    [Fact]
    public void Expand_FullNameNdots5_FourDotsStillSearchesFirst()
    {
        var candidates = HostNameExpander.Expand("nginx-headless.default.svc.cluster.local", s_podSearch, 5);

        Assert.Equal("nginx-headless.default.svc.cluster.local.default.svc.cluster.local.", candidates[0]);
        Assert.Equal("nginx-headless.default.svc.cluster.local.", candidates[^1]);
        Assert.Equal(4, candidates.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Expand_DotsAtLeastNdots_AsIsFirstThenSearch(int ndots)
    {
        Assert.Equal(
            ["nginx-headless.default.svc.cluster.local.", "nginx-headless.default.svc.cluster.local.default.svc.cluster.local.",
             "nginx-headless.default.svc.cluster.local.svc.cluster.local.", "nginx-headless.default.svc.cluster.local.cluster.local."],
            HostNameExpander.Expand("nginx-headless.default.svc.cluster.local", s_podSearch, ndots));
    }

    [Fact]
    public void Expand_NdotsZero_AsIsFirstEvenWithoutDots()
    {
        Assert.Equal(["web.", "web.example.com."], HostNameExpander.Expand("web", ["example.com"], 0));
    }

    [Fact]
    public void Expand_TrailingDot_AbsoluteOnly()
    {
        Assert.Equal(["nginx-headless."], HostNameExpander.Expand("nginx-headless.", s_podSearch, 5));
    }

    [Fact]
    public void Expand_NoSearchList_AsIsOnly()
    {
        Assert.Equal(["nginx-headless."], HostNameExpander.Expand("nginx-headless", [], 5));
    }

    [Fact]
    public void Expand_SearchDomainsWithDotsAndRoot_NormalizedAndDeduplicated()
    {
        Assert.Equal(["web.example.com.", "web."], HostNameExpander.Expand("web", ["example.com.", ".", "EXAMPLE.com"], 1));
    }
}
