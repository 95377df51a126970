using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using static HeadlessSidecar.Tests.Discovery.Dns;

namespace HeadlessSidecar.Tests.Discovery;

public class ServiceWatcherTests
{
    private static readonly DnsQueryResult s_twoPods = SrvAnswer(5, ("web-0", "10.0.0.1"), ("web-1", "10.0.0.2"));

    [Fact]
    public async Task RunAsync_FirstAnswer_PublishesPodsAndIsReady()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);

        await h.StartAsync();

        var snapshot = h.Current;
        Assert.Equal(["web-0", "web-1"], snapshot.Pods.Select(p => p.Name));
        Assert.Equal(ResolutionResult.Success, snapshot.LastResult);
        Assert.True(snapshot.Ready);
        Assert.False(snapshot.Stale);
        Assert.Null(snapshot.Error);
        Assert.Equal(h.At(0), snapshot.LastResolvedAt);
        Assert.Equal(Service, snapshot.Host);
        Assert.Equal(1, snapshot.Version);
        Assert.Same(snapshot, await h.Watcher.FirstResolution);
    }

    [Theory]
    [InlineData(5, 0, 5)]
    [InlineData(0, 0, 1)]
    [InlineData(0.5, 0, 1)]
    [InlineData(300, 0, 30)]
    [InlineData(10, 0.5, 9.5)]
    public async Task RunAsync_Answer_NextResolutionAtClampedJitteredTtl(double ttl, double random, double expected)
    {
        await using var h = new WatcherHarness(random: random);
        h.Querier.Set(SrvName, DnsQueryType.Srv, SrvAnswer(ttl, ("web-0", "10.0.0.1")));

        Assert.Equal(TimeSpan.FromSeconds(expected), await h.StartAsync());
        Assert.Equal(TimeSpan.FromSeconds(expected), await h.AdvanceAsync(expected));
        Assert.Equal(2, h.SrvQueries);
        Assert.Equal(h.At(expected), h.Current.LastResolvedAt);
    }

    [Fact]
    public async Task RunAsync_NegativeAnswer_NextResolutionAtNegativeTtl()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.NoData(Seconds(7)));

        Assert.Equal(Seconds(7), await h.StartAsync());
    }

    [Fact]
    public async Task RunAsync_SameAnswerAgain_PublishesNewTimeWithSamePodsAndEmptyDiff()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        var diffs = new List<SnapshotDiff>();
        h.Endpoints.Changed += (_, diff) => diffs.Add(diff);
        await h.StartAsync();
        var first = h.Current;

        await h.AdvanceAsync(5);

        Assert.Equal(2, h.Current.Version);
        Assert.Same(first.Pods, h.Current.Pods);
        Assert.Equal(h.At(5), h.Current.LastResolvedAt);
        Assert.Equal(2, diffs[0].Added.Count);
        Assert.True(diffs[1].IsEmpty);
    }

    [Fact]
    public async Task RunAsync_PodsChange_PublishesDiff()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        SnapshotDiff? last = null;
        h.Endpoints.Changed += (_, diff) => last = diff;
        await h.StartAsync();

        h.Querier.Set(SrvName, DnsQueryType.Srv, SrvAnswer(5, ("web-1", "10.0.0.9"), ("web-2", "10.0.0.3")));
        await h.AdvanceAsync(5);

        Assert.Equal(["web-1", "web-2"], h.Current.Pods.Select(p => p.Name));
        Assert.Equal(["web-2"], last!.Added.Select(p => p.Name));
        Assert.Equal(["web-0"], last.Removed.Select(p => p.Name));
        Assert.Equal(["web-1"], last.AddressChanged.Select(c => c.New.Name));
    }

    [Fact]
    public async Task RunAsync_DnsFailsAfterAnswer_KeepsStaleSetUntilMaxStaleFromFirstFailureThenDrops()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        await h.StartAsync();
        var good = h.Current;
        h.Querier.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Failed("timeout"));

        // First failure at t=5: stale from here, MaxStale = 10 s, so the set goes at t=15.
        var waits = new List<double>();
        var stale = new List<bool>();
        var delay = TimeSpan.FromSeconds(5);
        while (h.Current.Stale || h.Elapsed < TimeSpan.FromSeconds(6))
        {
            delay = await h.AdvanceAsync(delay);
            waits.Add(delay.TotalSeconds);
            stale.Add(h.Current.Stale);
            if (h.Current.Stale)
            {
                Assert.Same(good.Pods, h.Current.Pods);
                Assert.Equal(ResolutionResult.Error, h.Current.LastResult);
                Assert.Equal($"SRV {SrvName}.: timeout", h.Current.Error);
                Assert.Equal(h.At(0), h.Current.LastResolvedAt);
            }
        }

        // Backoff 1, 2, 4 s, then cut to meet the deadline at t=15; after the drop the backoff goes on (16 s).
        Assert.Equal([1, 2, 4, 3, 16], waits);
        Assert.Equal([true, true, true, true, false], stale);
        Assert.Equal(TimeSpan.FromSeconds(15), h.Elapsed);
        Assert.Empty(h.Current.Pods);
        Assert.Equal(ResolutionResult.Error, h.Current.LastResult);
        Assert.True(h.Current.Ready);
    }

    [Fact]
    public async Task RunAsync_FailureRecoveryFailure_StaleClockRestartsAtNewFirstFailure()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        await h.StartAsync();

        h.Querier.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Failed("SERVFAIL"));
        Assert.Equal(Seconds(1), await h.AdvanceAsync(5));                   // t=5 fails
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        Assert.Equal(Seconds(5), await h.AdvanceAsync(1));                   // t=6 answers
        Assert.False(h.Current.Stale);
        h.Querier.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Failed("SERVFAIL"));
        Assert.Equal(Seconds(1), await h.AdvanceAsync(5));                   // t=11 fails: deadline t=21
        Assert.Equal(Seconds(2), await h.AdvanceAsync(1));                   // t=12
        Assert.Equal(Seconds(4), await h.AdvanceAsync(2));                   // t=14
        Assert.Equal(Seconds(3), await h.AdvanceAsync(4));                   // t=18
        Assert.True(h.Current.Stale);
        Assert.Equal(2, h.Current.Pods.Count);

        await h.AdvanceAsync(3);                                             // t=21

        Assert.False(h.Current.Stale);
        Assert.Empty(h.Current.Pods);
    }

    [Fact]
    public async Task RunAsync_DnsRecoversWhileStale_ServesNewAnswer()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        await h.StartAsync();
        h.Querier.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Failed("timeout"));
        await h.AdvanceAsync(5);
        Assert.True(h.Current.Stale);

        h.Querier.Set(SrvName, DnsQueryType.Srv, SrvAnswer(5, ("web-0", "10.0.0.1")));
        await h.AdvanceAsync(1);

        Assert.False(h.Current.Stale);
        Assert.Null(h.Current.Error);
        Assert.Equal(ResolutionResult.Success, h.Current.LastResult);
        Assert.Equal(["web-0"], h.Current.Pods.Select(p => p.Name));
    }

    [Fact]
    public async Task RunAsync_MaxStaleZero_DropsOnFirstFailure()
    {
        await using var h = new WatcherHarness(new DnsOptions { MaxStale = TimeSpan.Zero });
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        await h.StartAsync();
        h.Querier.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Failed("timeout"));

        await h.AdvanceAsync(5);

        Assert.Empty(h.Current.Pods);
        Assert.False(h.Current.Stale);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_NxDomainOrNoDataAfterAnswer_EmptiesAtOnce(bool nxDomain)
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        await h.StartAsync();
        h.Querier.Set(SrvName, DnsQueryType.Srv, nxDomain ? DnsQueryResult.NxDomain(Seconds(3)) : DnsQueryResult.NoData(Seconds(3)));

        Assert.Equal(Seconds(3), await h.AdvanceAsync(5));

        Assert.Empty(h.Current.Pods);
        Assert.False(h.Current.Stale);
        Assert.Equal(nxDomain ? ResolutionResult.NxDomain : ResolutionResult.Empty, h.Current.LastResult);
        Assert.Equal(h.At(5), h.Current.LastResolvedAt);
        Assert.True(h.Current.Ready);
    }

    [Fact]
    public async Task RunAsync_FirstResolutionFails_NotReadyAndBacksOff()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Failed("unreachable (ConnectionRefused)"));

        Assert.Equal(Seconds(1), await h.StartAsync());

        Assert.False(h.Current.Ready);
        Assert.Equal(ResolutionResult.Error, h.Current.LastResult);
        Assert.False(h.Current.Stale);
        Assert.Empty(h.Current.Pods);
        Assert.Equal(ResolutionResult.Error, (await h.Watcher.FirstResolution).LastResult);
        Assert.Equal(Seconds(2), await h.AdvanceAsync(1));
        Assert.Equal(Seconds(4), await h.AdvanceAsync(2));
    }

    [Fact]
    public async Task RunAsync_SameFailureRepeated_PublishedOnce()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Failed("timeout"));
        await h.StartAsync();
        var first = h.Current;

        await h.AdvanceAsync(1);
        await h.AdvanceAsync(2);

        Assert.Same(first, h.Current);
        Assert.Equal(3, h.SrvQueries);
    }

    [Fact]
    public async Task RunAsync_PartialAnswer_RefreshesSoonWithBackoff()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, DnsQueryResult.Success(
                srv: [Srv(Pod("web-0"), ttl: 30), Srv(Pod("web-1"), ttl: 30)],
                additionalAddresses: [Address(Pod("web-0"), "10.0.0.1")]))
            .Set(Pod("web-1"), DnsQueryType.A, DnsQueryResult.Failed("timeout"))
            .Set(Pod("web-1"), DnsQueryType.Aaaa, DnsQueryResult.Failed("timeout"));

        Assert.Equal(Seconds(1), await h.StartAsync());
        Assert.Equal(Seconds(2), await h.AdvanceAsync(1));
        Assert.Equal(ResolutionResult.Success, h.Current.LastResult);
        Assert.Equal(["web-0"], h.Current.Pods.Select(p => p.Name));

        h.Querier.Set(Pod("web-1"), DnsQueryType.A, DnsQueryResult.Success(addresses: [Address(Pod("web-1"), "10.0.0.2")]));
        Assert.Equal(Seconds(30), await h.AdvanceAsync(2));
        Assert.Equal(["web-0", "web-1"], h.Current.Pods.Select(p => p.Name));
    }

    [Fact]
    public async Task RunAsync_ShortHost_RemembersAnsweringCandidate()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        await h.StartAsync();
        h.Querier.ClearQueries();

        await h.AdvanceAsync(5);

        Assert.Equal([(SrvName + ".", DnsQueryType.Srv)], h.Querier.Queries);
    }

    [Fact]
    public async Task RequestRefresh_SoonAfterResolution_WaitsUntilMinRefreshSinceItStarted()
    {
        await using var h = new WatcherHarness(new DnsOptions { MinRefresh = TimeSpan.FromSeconds(2), MaxRefresh = TimeSpan.FromSeconds(30) });
        h.Querier.Set(SrvName, DnsQueryType.Srv, SrvAnswer(30, ("web-0", "10.0.0.1")));
        Assert.Equal(Seconds(30), await h.StartAsync());

        h.Time.Advance(Seconds(0.5));
        h.Watcher.RequestRefresh();
        Assert.Equal(Seconds(1.5), await h.NextWaitAsync());
        h.Watcher.RequestRefresh();
        Assert.Equal(Seconds(1.5), await h.NextWaitAsync());
        Assert.Equal(1, h.SrvQueries);

        Assert.Equal(Seconds(30), await h.AdvanceAsync(1.5));
        Assert.Equal(2, h.SrvQueries);
        Assert.Equal(h.At(2), h.Current.LastResolvedAt);

        h.Watcher.RequestRefresh();
        Assert.Equal(Seconds(2), await h.NextWaitAsync());
    }

    [Fact]
    public async Task RequestRefresh_MinRefreshAlreadyPassed_ResolvesAtOnce()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, SrvAnswer(30, ("web-0", "10.0.0.1")));
        await h.StartAsync();
        h.Time.Advance(Seconds(5));

        h.Watcher.RequestRefresh();

        Assert.Equal(Seconds(30), await h.NextWaitAsync());
        Assert.Equal(2, h.SrvQueries);
        Assert.Equal(h.At(5), h.Current.LastResolvedAt);
    }

    [Fact]
    public async Task RequestRefreshAsync_Waiting_ReturnsSnapshotOfTheNextResolution()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, SrvAnswer(30, ("web-0", "10.0.0.1")));
        await h.StartAsync();
        h.Time.Advance(Seconds(5));
        h.Querier.Set(SrvName, DnsQueryType.Srv, SrvAnswer(30, ("web-0", "10.0.0.1"), ("web-1", "10.0.0.2")));

        var snapshot = await h.Watcher.RequestRefreshAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(2, snapshot.Pods.Count);
        Assert.Equal(h.At(5), snapshot.LastResolvedAt);
    }

    [Fact]
    public async Task RunAsync_Cancelled_CompletesWithoutThrowing()
    {
        var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        await h.StartAsync();
        var pending = h.Watcher.RequestRefreshAsync(TestContext.Current.CancellationToken);
        h.Watcher.RequestRefresh();

        await h.DisposeAsync();

        Assert.True(h.Running.IsCompletedSuccessfully);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task RunAsync_StartedTwice_Throws()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        await h.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Watcher.RunAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_SubscriberThrows_KeepsWatching()
    {
        await using var h = new WatcherHarness();
        h.Querier.Set(SrvName, DnsQueryType.Srv, s_twoPods);
        h.Endpoints.Changed += (_, _) => throw new InvalidOperationException("subscriber bug");

        Assert.Equal(Seconds(5), await h.StartAsync());
        Assert.Equal(Seconds(5), await h.AdvanceAsync(5));
        Assert.Equal(2, h.Current.Version);
    }
}
