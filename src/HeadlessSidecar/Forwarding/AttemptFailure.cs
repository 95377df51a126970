using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// Why an attempt failed, as <c>headless_sidecar_failovers_total{reason}</c> names it, and whether the request
/// may have reached the pod (which limits retries to idempotent or bodiless requests). <see cref="ConnectTimedOut"/>:
/// the pod did not even complete a TCP handshake within <c>Timeouts:Connect</c> (dropped SYNs, a full backlog).
/// </summary>
internal readonly record struct AttemptFailure(string Reason, bool RequestSent, string Detail, bool ConnectTimedOut = false)
{
    public const string ConnectError = "connect_error";
    public const string Timeout = "timeout";
    public const string Reset = "reset";
    public const string TlsError = "tls_error";

    public static AttemptFailure Status(int status) => new($"status_{status}", RequestSent: true, $"answered {status}");

    public static AttemptFailure PerTryTimeout(TimeSpan perTry) => new(Timeout, RequestSent: true, $"no response headers within Timeouts:PerTry ({perTry})");

    /// <summary>Classifies a failed forward from YARP's error and the exception behind it.</summary>
    public static AttemptFailure Classify(ForwarderError error, Exception? exception, bool http2OverTls = false, bool closedUnread = false)
    {
        if (ClassifyTls(exception, http2OverTls, closedUnread) is { } tls)
        {
            return tls;
        }
        var detail = Describe(error, exception);
        var timedOut = false;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            // Our Timeouts:Connect surfaces as a TimeoutException (the lean forwarder's own, or SocketsHttpHandler's
            // ConnectTimeout inside its HttpRequestException), the kernel's as SocketError.TimedOut.
            timedOut |= e is TimeoutException or SocketException { SocketErrorCode: SocketError.TimedOut };
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } ||
                e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut } ||
                e is TimeoutException)
            {
                return new(ConnectError, RequestSent: false, detail, ConnectTimedOut: timedOut);
            }
        }
        return error switch
        {
            ForwarderError.RequestTimedOut => new(Timeout, RequestSent: true, detail),
            _ => new(Reset, RequestSent: true, detail),
        };
    }

    /// <summary>
    /// A failed handshake (nothing was sent: any method may fail over), or a TLS alert from the pod on the first read
    /// of a connection (TLS 1.3 reports a refused client certificate only after the client's side of the handshake
    /// ended, so the request was written but never read by the pod: resent only when that is safe anyway).
    /// </summary>
    /// <remarks>
    /// A .NET pod (Kestrel) checks the client certificate after its TLS handshake and just closes the connection, with
    /// no alert; over h2 the handler then reports that the HTTP/2 handshake never completed (no SETTINGS from the pod,
    /// no request sent). With <paramref name="http2OverTls"/> that is taken for the refusal it almost always is; so is
    /// any failure while the pod ended one of its new connections before sending a byte (<paramref name="closedUnread"/>):
    /// a request already started on that connection fails with its own body's cancellation instead.
    /// </remarks>
    public static AttemptFailure? ClassifyTls(Exception? exception, bool http2OverTls = false, bool closedUnread = false)
    {
        if (http2OverTls && closedUnread && exception is not null)
        {
            return ClientCertificateRefused();
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Tls.TlsHandshakeException handshake)
            {
                return new(TlsError, RequestSent: false, handshake.Message);
            }
            // The runtime's message, or its resource key in the trimmed binary (UseSystemResourceKeys); on an
            // IOException inside the HttpRequestException, or on the HttpRequestException itself when the pool found
            // the new connection dead before handing it out.
            if (http2OverTls && e is IOException or HttpRequestException && (e.Message.Contains("did not complete the HTTP/2 handshake", StringComparison.Ordinal)
                || e.Message.Contains("http2_connection_not_established", StringComparison.Ordinal)))
            {
                return ClientCertificateRefused();
            }
        }
        if (Tls.TlsFailureClassifier.FindAlert(exception) is int alert)
        {
            var (cause, detail) = Tls.TlsFailureClassifier.FromAlert(alert);
            return new(TlsError, RequestSent: true, $"TLS handshake failed: {Tls.TlsFailureClassifier.Describe(cause)}: {detail}");
        }
        return null;
    }

    private static AttemptFailure ClientCertificateRefused() =>
        new(TlsError, RequestSent: false, $"TLS handshake failed: {Tls.TlsFailureClassifier.Describe(Tls.TlsFailureCause.ClientCertificateRejected)}: "
            + "the pod closed the connection before HTTP/2 started (it requires a client certificate, or refused the one sent)");

    /// <summary>
    /// YARP reports <c>RequestBodyClient</c> when the pod's connection failed while the app's body was streaming (a
    /// gRPC call's, say): the failed send cancelled the copy, and the cancelled read looks like the app's. Its
    /// exception then carries both, the copy's cancellation first; the pod's failure is the one that counts.
    /// </summary>
    public static Exception? UpstreamBehindBody(ForwarderError result, Exception? exception) =>
        result == ForwarderError.RequestBodyClient
        && exception is AggregateException { InnerExceptions: [OperationCanceledException, var upstream] }
        && upstream is not OperationCanceledException
            ? upstream
            : null;

    /// <summary>A short human sentence for the attempt's failure, for the error detail and the log.</summary>
    private static string Describe(ForwarderError error, Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.ConnectionReset => "connection reset",
                    SocketError.TimedOut => "connect timed out",
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
                    _ => socket.SocketErrorCode.ToString(),
                };
            }
            if (e is TimeoutException)
            {
                return "connect timed out";
            }
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded })
            {
                return "connection closed before a response";
            }
        }
        return exception?.Message ?? error.ToString();
    }
}
