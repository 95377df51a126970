using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace HeadlessSidecar.Tls;

/// <summary>
/// Names the cause of a failed handshake from what the client side can see: the verdict on the pod's certificate
/// (<see cref="SslPolicyErrors"/> and the chain's <see cref="X509ChainStatusFlags"/>), or the TLS alert the pod sent.
/// </summary>
/// <remarks>
/// A refused client certificate is only ever seen as an alert from the pod (bad_certificate, unknown_ca,
/// certificate_required...). On Linux SslStream runs on OpenSSL, whose error text rides along in the exception's
/// messages as <c>error:0A000418:SSL routines::tlsv1 alert unknown ca</c>: the reason code is 1000 + the alert
/// number in OpenSSL 1.1 and 3 alike, and it is OpenSSL's own text, which the trimmed binary keeps (its .NET
/// resource messages are not). With TLS 1.3 the client's side of the handshake ends before the pod has checked the
/// client certificate, so that alert arrives on the first read instead: <see cref="FindAlert"/> finds it there too.
/// </remarks>
internal static partial class TlsFailureClassifier
{
    private const int AlertReasonOffset = 1000;
    private const int OpenSslSslLibrary = 20;

    public static string Describe(TlsFailureCause cause) => cause switch
    {
        TlsFailureCause.Untrusted => "untrusted",
        TlsFailureCause.NameMismatch => "name mismatch",
        TlsFailureCause.Expired => "expired",
        TlsFailureCause.ClientCertificateRejected => "client certificate rejected",
        TlsFailureCause.NoH2 => "no h2 negotiated",
        TlsFailureCause.Timeout => "timed out",
        TlsFailureCause.NoMaterial => "no certificate loaded",
        _ => "protocol",
    };

    /// <summary>The cause of a refused pod certificate, or null when <paramref name="errors"/> is <see cref="SslPolicyErrors.None"/>.</summary>
    public static (TlsFailureCause Cause, string Detail)? FromCertificate(SslPolicyErrors errors, X509ChainStatusFlags chainStatus, string targetHost)
    {
        if (errors == SslPolicyErrors.None)
        {
            return null;
        }
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return (TlsFailureCause.Protocol, "the pod sent no certificate");
        }
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            const X509ChainStatusFlags untrusted = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain
                | X509ChainStatusFlags.NotSignatureValid | X509ChainStatusFlags.ExplicitDistrust | X509ChainStatusFlags.Cyclic;
            if ((chainStatus & untrusted) != 0)
            {
                return (TlsFailureCause.Untrusted, $"the pod's certificate does not chain to a trusted root ({chainStatus & untrusted})");
            }
            if ((chainStatus & (X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested)) != 0)
            {
                return (TlsFailureCause.Expired, "the pod's certificate, or one in its chain, has expired or is not valid yet");
            }
            if (chainStatus != X509ChainStatusFlags.NoError)
            {
                return (TlsFailureCause.Untrusted, $"the pod's certificate chain is not valid ({chainStatus})");
            }
        }
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return (TlsFailureCause.NameMismatch, $"the pod's certificate does not name '{targetHost}'");
        }
        return (TlsFailureCause.Untrusted, $"the pod's certificate was refused ({errors})");
    }

    /// <summary>All of a chain's status flags together.</summary>
    public static X509ChainStatusFlags StatusOf(X509Chain? chain)
    {
        var flags = X509ChainStatusFlags.NoError;
        if (chain is null)
        {
            return flags;
        }
        foreach (var status in chain.ChainStatus)
        {
            flags |= status.Status;
        }
        return flags;
    }

    /// <summary>The cause of a handshake that threw, from the alert the pod sent or OpenSSL's own error.</summary>
    public static (TlsFailureCause Cause, string Detail) FromException(Exception exception)
    {
        if (FindAlert(exception) is int alert)
        {
            return FromAlert(alert);
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var message = e.Message;
            if (message.Contains("wrong version number", StringComparison.OrdinalIgnoreCase) || message.Contains("packet length too long", StringComparison.OrdinalIgnoreCase))
            {
                return (TlsFailureCause.Protocol, "the pod did not answer in TLS (a plaintext port?)");
            }
            if (message.Contains("unsupported protocol", StringComparison.OrdinalIgnoreCase) || message.Contains("no protocols available", StringComparison.OrdinalIgnoreCase))
            {
                return (TlsFailureCause.Protocol, "no TLS version in common (Tls:MinVersion)");
            }
            if (e is EndOfStreamException || message.Contains("unexpected eof", StringComparison.OrdinalIgnoreCase))
            {
                return (TlsFailureCause.Protocol, "the pod closed the connection during the handshake");
            }
        }
        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }
        return (TlsFailureCause.Protocol, innermost is System.Net.Sockets.SocketException socket
            ? $"the connection failed during the handshake ({socket.SocketErrorCode})"
            : $"the handshake failed ({innermost.GetType().Name}: {Shorten(innermost.Message)})");
    }

    /// <summary>The cause that an alert number from the pod stands for (RFC 8446 section 6).</summary>
    public static (TlsFailureCause Cause, string Detail) FromAlert(int alert)
    {
        var name = AlertName(alert);
        return alert switch
        {
            116 => (TlsFailureCause.ClientCertificateRejected, $"the pod requires a client certificate (alert {name}; Tls:Mode 'MutualTls')"),
            42 or 43 or 44 or 45 or 46 or 48 or 49 => (TlsFailureCause.ClientCertificateRejected, $"the pod refused the client certificate (alert {name})"),
            120 => (TlsFailureCause.NoH2, $"the pod offers no protocol the sidecar asked for (alert {name})"),
            112 => (TlsFailureCause.NameMismatch, $"the pod does not serve that name (alert {name})"),
            // TLS 1.2 servers (OpenSSL) answer a missing client certificate with this catch-all too.
            40 => (TlsFailureCause.Protocol, $"the pod sent alert {name} (no version or cipher in common, or it requires a client certificate)"),
            _ => (TlsFailureCause.Protocol, $"the pod sent alert {name}"),
        };
    }

    /// <summary>
    /// The TLS alert number the pod sent, when an OpenSSL error in <paramref name="exception"/>'s chain reports one
    /// (<c>error:0A000418</c>: library 20, reason 1048 = alert 48).
    /// </summary>
    public static int? FindAlert(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            foreach (Match match in OpenSslErrorRegex().Matches(e.Message))
            {
                var code = uint.Parse(match.Groups[1].ValueSpan, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                // OpenSSL 3 packs the library in the top 9 bits, 1.1 in the top 8; the reason is in the low 12 either way.
                var library = code >> 23 == OpenSslSslLibrary ? OpenSslSslLibrary : (int)(code >> 24);
                var reason = (int)(code & 0xFFF);
                if (library == OpenSslSslLibrary && reason is >= AlertReasonOffset and < AlertReasonOffset + 256)
                {
                    return reason - AlertReasonOffset;
                }
            }
        }
        return null;
    }

    public static string AlertName(int alert) => alert switch
    {
        10 => "unexpected_message",
        20 => "bad_record_mac",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => alert.ToString(CultureInfo.InvariantCulture),
    };

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";

    [GeneratedRegex(@"error:([0-9A-Fa-f]{8})")]
    private static partial Regex OpenSslErrorRegex();
}
