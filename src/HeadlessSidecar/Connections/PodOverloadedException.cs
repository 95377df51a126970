namespace HeadlessSidecar.Connections;

/// <summary>
/// <c>Limits:MaxPendingPerPod</c> requests already wait for a connection to the pod: this one is refused before it
/// waits (503 <c>pod_overloaded</c>). Nothing was sent and the pod did nothing wrong: not a pod failure.
/// </summary>
internal sealed class PodOverloadedException(string message) : Exception(message);
