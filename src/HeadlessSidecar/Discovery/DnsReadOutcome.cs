namespace HeadlessSidecar.Discovery;

/// <summary>What a received message is to the query that waits for it.</summary>
internal enum DnsReadOutcome
{
    /// <summary>Not the answer to this question (another ID or question, QR=0, unparseable header): over UDP, keep
    /// waiting for the real one; counted as <see cref="DnsRejectReason.MismatchedAnswer"/>.</summary>
    Mismatched,
    /// <summary>The answer, truncated (TC): ask again over TCP.</summary>
    Truncated,
    /// <summary>The answer to this question, believed or refused as a whole.</summary>
    Answer,
}
