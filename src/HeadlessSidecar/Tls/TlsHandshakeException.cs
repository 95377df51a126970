namespace HeadlessSidecar.Tls;

/// <summary>
/// A handshake with a pod failed: nothing of a request was sent. An <see cref="IOException"/>, so code that treats a
/// broken connection as such keeps doing so; the attempt loop reads <see cref="Cause"/> for <c>tls_error</c>.
/// </summary>
internal sealed class TlsHandshakeException : IOException
{
    public TlsHandshakeException(TlsFailureCause cause, string detail, Exception? inner = null)
        : base($"TLS handshake failed: {TlsFailureClassifier.Describe(cause)}: {detail}", inner)
    {
        Cause = cause;
        Detail = detail;
    }

    public TlsHandshakeException()
    {
        Detail = "";
    }

    public TlsHandshakeException(string message)
        : base(message)
    {
        Detail = message;
    }

    public TlsHandshakeException(string message, Exception inner)
        : base(message, inner)
    {
        Detail = message;
    }

    public TlsFailureCause Cause { get; }

    /// <summary>The specifics (chain status, alert received, names compared); never a secret.</summary>
    public string Detail { get; }
}
