namespace HeadlessSidecar.Discovery;

/// <summary>Why a DNS answer or record was not believed, as <c>headless_sidecar_dns_rejected_total{reason}</c> names it.</summary>
internal enum DnsRejectReason
{
    /// <summary>Not a well-formed response to the question asked: another ID, QR=0, another question name, type or
    /// class, or a message that does not parse. Over UDP the wait goes on for the real answer.</summary>
    MismatchedAnswer,
    /// <summary>A name beyond RFC 1035's limits (label over 63 octets, name over 255), a reserved label type, a bad
    /// compression pointer, or octets a cluster name never has: the whole answer is refused.</summary>
    MalformedName,
    /// <summary>A record outside the service's domain (an SRV target or its glue, a PTR name, an answer for another
    /// owner): that record is ignored.</summary>
    OutOfDomain,
    /// <summary>More records than <c>Dns:MaxAnswerRecords</c>: the whole answer is refused.</summary>
    RecordLimit,
}
