using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// Why an attempt failed, as <c>headless_sidecar_failovers_total{reason}</c> names it, and whether the request
/// may have reached the pod (which limits retries to idempotent or bodiless requests).
/// </summary>
internal readonly record struct AttemptFailure(string Reason, bool RequestSent, string Detail)
{
    public const string ConnectError = "connect_error";
    public const string Timeout = "timeout";
    public const string Reset = "reset";
    public const string TlsError = "tls_error";

    public static AttemptFailure Status(int status) => new($"status_{status}", RequestSent: true, $"answered {status}");

    public static AttemptFailure PerTryTimeout(TimeSpan perTry) => new(Timeout, RequestSent: true, $"no response headers within Timeouts:PerTry ({perTry})");

    /// <summary>Classifies a failed forward from YARP's error and the exception behind it.</summary>
    public static AttemptFailure Classify(ForwarderError error, Exception? exception, bool http2OverTls = false)
    {
        if (ClassifyTls(exception, http2OverTls) is { } tls)
        {
            return tls;
        }
        var detail = Describe(error, exception);
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
            {
                return new(ConnectError, RequestSent: false, detail);
            }
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut })
            {
                return new(ConnectError, RequestSent: false, detail);
            }
            if (e is TimeoutException)
            {
                // SocketsHttpHandler's ConnectTimeout surfaces as a TimeoutException before anything is sent.
                return new(ConnectError, RequestSent: false, detail);
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
    /// no request sent). With <paramref name="http2OverTls"/> that is taken for the refusal it almost always is.
    /// </remarks>
    public static AttemptFailure? ClassifyTls(Exception? exception, bool http2OverTls = false)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Tls.TlsHandshakeException handshake)
            {
                return new(TlsError, RequestSent: false, handshake.Message);
            }
            // The runtime's message, or its resource key in the trimmed binary (UseSystemResourceKeys).
            if (http2OverTls && e is IOException && (e.Message.Contains("did not complete the HTTP/2 handshake", StringComparison.Ordinal)
                || e.Message.Contains("http2_connection_not_established", StringComparison.Ordinal)))
            {
                return new(TlsError, RequestSent: false, $"TLS handshake failed: {Tls.TlsFailureClassifier.Describe(Tls.TlsFailureCause.ClientCertificateRejected)}: "
                    + "the pod closed the connection before HTTP/2 started (it requires a client certificate, or refused the one sent)");
            }
        }
        if (Tls.TlsFailureClassifier.FindAlert(exception) is int alert)
        {
            var (cause, detail) = Tls.TlsFailureClassifier.FromAlert(alert);
            return new(TlsError, RequestSent: true, $"TLS handshake failed: {Tls.TlsFailureClassifier.Describe(cause)}: {detail}");
        }
        return null;
    }

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
