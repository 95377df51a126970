namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>The outcome of feeding buffered bytes to one of the HTTP/1.1 response parsers.</summary>
internal enum Http1ParseStatus
{
    /// <summary>More bytes are needed.</summary>
    Incomplete,

    /// <summary>The element (a head, or the whole chunked body) is complete.</summary>
    Complete,

    /// <summary>A chunked body produced data.</summary>
    Data,

    /// <summary>The bytes break the protocol or a limit: the response must not be used.</summary>
    Invalid,
}
