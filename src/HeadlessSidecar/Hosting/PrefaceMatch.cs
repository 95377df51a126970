namespace HeadlessSidecar.Hosting;

/// <summary>What the first bytes of a cleartext connection say about its HTTP version.</summary>
internal enum PrefaceMatch
{
    /// <summary>The bytes so far agree with the HTTP/2 preface but are fewer than its 24 bytes.</summary>
    Incomplete,

    /// <summary>A byte differs from the HTTP/2 preface.</summary>
    Http1,

    /// <summary>All 24 bytes of the HTTP/2 preface are there.</summary>
    Http2,
}
