using HeadlessSidecar.Forwarding;

namespace HeadlessSidecar.Tests.Forwarding;

public class ProxyRequestStateTests
{
    [Fact]
    public void Pool_ReturnsAResetState_WithTheSameTimers()
    {
        var state = ProxyRequestState.Pool.Get();
        using var aborted = new CancellationTokenSource();
        var requestTimeout = state.StartRequestTimeout(TimeSpan.FromMinutes(5), aborted.Token);
        var perTry = state.StartPerTryTimeout(TimeSpan.FromMinutes(5));
        state.Attempts = 2;
        state.UpstreamHost = "web-1.nginx-headless.default.svc.cluster.local:8080";
        state.FailoverReason = "reset";
        state.InterceptedStatus = 503;
        state.InterceptRetryableStatus = true;
        ProxyRequestState.Pool.Return(state);

        var again = ProxyRequestState.Pool.Get();
        Assert.Same(state, again);
        Assert.Equal(0, again.Attempts);
        Assert.Null(again.UpstreamHost);
        Assert.Null(again.FailoverReason);
        Assert.Null(again.InterceptedStatus);
        Assert.False(again.InterceptRetryableStatus);
        Assert.Empty(again.Tried);
        Assert.Null(again.PerTryTimeout);
        // Not fired: the same sources are reused, reset (a later abort of the old request reaches nothing).
        Assert.Same(requestTimeout, again.StartRequestTimeout(TimeSpan.FromMinutes(5), CancellationToken.None));
        Assert.Same(perTry, again.StartPerTryTimeout(TimeSpan.FromMinutes(5)));
        aborted.Cancel();
        Assert.False(requestTimeout.IsCancellationRequested);
        ProxyRequestState.Pool.Return(again);
    }

    [Fact]
    public void AppAbort_CancelsRequestAndAttemptTimers()
    {
        var state = ProxyRequestState.Pool.Get();
        using var aborted = new CancellationTokenSource();
        var requestTimeout = state.StartRequestTimeout(TimeSpan.FromMinutes(5), aborted.Token);
        var perTry = state.StartPerTryTimeout(TimeSpan.FromMinutes(5));
        aborted.Cancel();
        Assert.True(requestTimeout.IsCancellationRequested);
        Assert.True(perTry.IsCancellationRequested);
        ProxyRequestState.Pool.Return(state);

        // A fired source cannot be reset: the next request gets fresh ones.
        var again = ProxyRequestState.Pool.Get();
        var fresh = again.StartRequestTimeout(TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.NotSame(requestTimeout, fresh);
        Assert.False(fresh.IsCancellationRequested);
        Assert.False(again.StartPerTryTimeout(TimeSpan.FromMinutes(5)).IsCancellationRequested);
        ProxyRequestState.Pool.Return(again);
    }

    [Fact]
    public void EndPerTryTimeout_AfterFiring_GivesTheNextAttemptAFreshTimer()
    {
        var state = ProxyRequestState.Pool.Get();
        state.StartRequestTimeout(TimeSpan.FromMinutes(5), CancellationToken.None);
        var first = state.StartPerTryTimeout(TimeSpan.FromMinutes(5));
        first.Cancel();
        state.EndPerTryTimeout();
        var second = state.StartPerTryTimeout(TimeSpan.FromMinutes(5));
        Assert.NotSame(first, second);
        Assert.False(second.IsCancellationRequested);
        ProxyRequestState.Pool.Return(state);
    }
}
