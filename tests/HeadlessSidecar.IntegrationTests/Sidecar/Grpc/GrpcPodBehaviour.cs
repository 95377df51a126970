using Grpc.Core;

namespace HeadlessSidecar.IntegrationTests.Sidecar.Grpc;

/// <summary>What one gRPC pod does and what it saw: set by a test, read by <see cref="TestGrpcService"/>.</summary>
internal sealed class GrpcPodBehaviour(string name)
{
    private int _calls;

    public string Name { get; } = name;

    /// <summary>When set, <c>Echo</c> fails with this status (Trailers-Only: no message was sent).</summary>
    public StatusCode? FailWith { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public TaskCompletionSource HangStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource HangCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void CallReceived() => Interlocked.Increment(ref _calls);

    /// <summary>Forgets the calls the cluster's readiness check made, so tests count only their own.</summary>
    public void ResetCalls() => Volatile.Write(ref _calls, 0);
}
