namespace HeadlessSidecar.Demo;

/// <summary>What to do with one incoming message.</summary>
internal enum DemoDnsReadStatus
{
    /// <summary>A well-formed standard query.</summary>
    Query,

    /// <summary>No reply at all: shorter than a header, or itself a response (answering could start a loop between two servers).</summary>
    Drop,

    /// <summary>FORMERR with the header only: the question cannot be trusted.</summary>
    FormatError,

    /// <summary>An opcode other than QUERY (NOTIFY, UPDATE…).</summary>
    NotImplemented,

    /// <summary>An EDNS version above 0 (RFC 6891 §6.1.3).</summary>
    BadVersion,
}
