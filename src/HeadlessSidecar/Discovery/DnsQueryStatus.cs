namespace HeadlessSidecar.Discovery;

internal enum DnsQueryStatus
{
    /// <summary>NOERROR with at least one record of the asked type.</summary>
    Success,
    /// <summary>The name does not exist.</summary>
    NxDomain,
    /// <summary>NOERROR without a record of the asked type (for a headless Service: no ready pods).</summary>
    NoData,
    /// <summary>
    /// The server will not answer for this name (REFUSED, NOTIMP): it is not served there, which is a lasting answer,
    /// not a failure worth retrying. An authoritative-only server says this for a search candidate outside its zones,
    /// and for reverse zones it does not hold.
    /// </summary>
    Refused,
    /// <summary>No usable answer: timeout, unreachable server, SERVFAIL, a malformed response.</summary>
    Error,
}
