namespace HeadlessSidecar.Discovery;

/// <summary>The one seam over the DNS client library. Implementations never throw for DNS failures.</summary>
internal interface IDnsQuerier
{
    /// <summary>Asks for <paramref name="name"/> exactly as given (no search list); throws only when cancelled.</summary>
    Task<DnsQueryResult> QueryAsync(string name, DnsQueryType type, CancellationToken cancellationToken);
}
