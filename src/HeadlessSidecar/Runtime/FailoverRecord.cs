namespace HeadlessSidecar.Runtime;

/// <summary>One move of a request or connection from <paramref name="From"/> to <paramref name="To"/>, as the failover metric counts it.</summary>
internal sealed record FailoverRecord(DateTimeOffset At, string From, string To, string Reason);
