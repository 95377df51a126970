using HeadlessSidecar.Runtime;
using Microsoft.Extensions.ObjectPool;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// Per-request state shared by the handler and the transformer (which YARP calls per attempt). Pooled: the
/// object, its list of tried pods and its two timers are reused request after request, so the steady state
/// allocates none of them.
/// </summary>
internal sealed class ProxyRequestState : IDisposable
{
    public static readonly ObjectPool<ProxyRequestState> Pool =
        new DefaultObjectPoolProvider { MaximumRetained = 1024 }.Create(new Policy());

    private CancellationTokenSource _requestTimeout = new();
    private CancellationTokenSource _perTryTimeout = new();
    private CancellationTokenRegistration _requestLink;
    private CancellationTokenRegistration _perTryLink;

    public ServiceRuntime Service { get; set; } = null!;

    public PodState? Pod { get; set; }

    public int Attempts { get; set; }

    /// <summary>When this attempt began (<see cref="LoadBalancing.PodLatency.Now"/>): its latency sample runs from here.</summary>
    public long AttemptStarted { get; private set; }

    /// <summary>Whether this attempt's response headers arrived (its latency is sampled).</summary>
    public bool Answered { get; private set; }

    /// <summary>The <c>Host</c> this attempt sends upstream (contract section 3), set by the handler for either forwarder.</summary>
    public string? UpstreamHost { get; set; }

    public string? FailoverReason { get; set; }

    /// <summary>The pods this request has tried, in order.</summary>
    public List<PodState> Tried { get; } = new(4);

    /// <summary>Set per attempt: an answer with a <c>Retry:OnStatus</c> code is held back so the request can move on.</summary>
    public bool InterceptRetryableStatus { get; set; }

    /// <summary>The held-back status of this attempt, if any.</summary>
    public int? InterceptedStatus { get; set; }

    /// <summary>Set per attempt: a Trailers-Only gRPC answer with a <c>Retry:OnGrpcStatus</c> code is held back.</summary>
    public bool InterceptRetryableGrpcStatus { get; set; }

    /// <summary>The held-back <c>grpc-status</c> of this attempt, if any.</summary>
    public int? InterceptedGrpcStatus { get; set; }

    /// <summary>A gRPC call without <c>grpc-timeout</c>: the request timer stops once response headers are passed on.</summary>
    public bool RequestTimeoutUntilHeaders { get; set; }

    /// <summary>The attempt's <c>Timeouts:PerTry</c> timer, stopped when response headers arrive.</summary>
    public CancellationTokenSource? PerTryTimeout { get; private set; }

    /// <summary>An attempt on <see cref="Pod"/> begins now.</summary>
    public void BeginAttempt()
    {
        AttemptStarted = Pod!.Latency.Now();
        Answered = false;
    }

    /// <summary>
    /// The attempt's response headers arrived (both forwarders call this): the pod's latency sample. A held-back
    /// <c>Retry:OnStatus</c> answer counts too; the handler charges its failure on top.
    /// </summary>
    public void HeadersArrived()
    {
        if (!Answered)
        {
            Answered = true;
            Pod!.Latency.Observe(AttemptStarted);
        }
    }

    /// <summary>Starts the request's <c>Timeouts:Request</c> timer, cancelled early if the app goes away.</summary>
    public CancellationTokenSource StartRequestTimeout(TimeSpan timeout, CancellationToken requestAborted)
    {
        _requestTimeout.CancelAfter(timeout);
        _requestLink = requestAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _requestTimeout);
        return _requestTimeout;
    }

    /// <summary>Response headers reached the app: a stream now lives as long as the app keeps it.</summary>
    public void StopRequestTimeout() => _requestTimeout.CancelAfter(Timeout.InfiniteTimeSpan);

    /// <summary>Starts this attempt's <c>Timeouts:PerTry</c> timer, cancelled with the request's.</summary>
    public CancellationTokenSource StartPerTryTimeout(TimeSpan timeout)
    {
        _perTryTimeout.CancelAfter(timeout);
        _perTryLink = _requestTimeout.Token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _perTryTimeout);
        PerTryTimeout = _perTryTimeout;
        return _perTryTimeout;
    }

    /// <summary>Ends the attempt's timer; a fired one is replaced (a cancelled source cannot be reset).</summary>
    public void EndPerTryTimeout()
    {
        if (PerTryTimeout is null)
        {
            return;
        }
        PerTryTimeout = null;
        _perTryLink.Dispose();
        _perTryLink = default;
        if (!_perTryTimeout.TryReset())
        {
            _perTryTimeout.Dispose();
            _perTryTimeout = new();
        }
    }

    private bool Reset()
    {
        EndPerTryTimeout();
        _requestLink.Dispose();
        _requestLink = default;
        if (!_requestTimeout.TryReset())
        {
            _requestTimeout.Dispose();
            _requestTimeout = new();
        }
        Service = null!;
        Pod = null;
        UpstreamHost = null;
        Attempts = 0;
        AttemptStarted = 0;
        Answered = false;
        FailoverReason = null;
        Tried.Clear();
        InterceptRetryableStatus = false;
        InterceptedStatus = null;
        InterceptRetryableGrpcStatus = false;
        InterceptedGrpcStatus = null;
        RequestTimeoutUntilHeaders = false;
        return true;
    }

    /// <summary>Called by the pool for a state it does not keep.</summary>
    public void Dispose()
    {
        _perTryLink.Dispose();
        _requestLink.Dispose();
        _perTryTimeout.Dispose();
        _requestTimeout.Dispose();
    }

    private sealed class Policy : IPooledObjectPolicy<ProxyRequestState>
    {
        public ProxyRequestState Create() => new();

        public bool Return(ProxyRequestState obj) => obj.Reset();
    }
}
