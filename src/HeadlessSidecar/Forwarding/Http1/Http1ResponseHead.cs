namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>What <see cref="Http1ResponseParser"/> learned from a response head; headers are in the caller's range array.</summary>
internal struct Http1ResponseHead
{
    public int Status;

    /// <summary>The <c>x</c> of <c>HTTP/1.x</c>.</summary>
    public int MinorVersion;

    /// <summary>Bytes of the head, status line to the empty line included.</summary>
    public int Length;

    public int HeaderCount;

    /// <summary>The agreed <c>Content-Length</c>, or -1 when there is none.</summary>
    public long ContentLength;

    public bool Chunked;

    public bool ConnectionClose;

    public bool ConnectionKeepAlive;

    /// <summary><c>Connection</c> names other headers, which are hop-by-hop too and must not reach the app.</summary>
    public bool ConnectionListsHeaders;

    /// <summary>Why the head is invalid, for the error detail.</summary>
    public string? Error;
}
