using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Tls;

/// <summary>
/// Turns a connected stream to a pod into a verified TLS stream, for one service's <c>Tls</c> settings: every
/// upstream path (pooled HTTP/1.1, YARP's handler, warm connections, TCP sessions, probes) goes through here.
/// </summary>
/// <remarks>
/// <para>The target host is always a name (the pod's DNS name, or <c>ServerName</c>): an IP or an empty name would
/// send no SNI and, on Linux, skip the session cache. The pod's certificate is checked against that name (SAN,
/// RFC 6125 wildcards in the leftmost label: OpenSSL's host check) and chained offline to <c>CaFile</c>.</para>
/// <para>Session resumption: .NET keeps one OpenSSL client context per (protocols, client certificate chain
/// thumbprints), and in it one session per target host. A new client certificate therefore means a new context with
/// an empty cache, and its first handshake with each pod is a full one. A change of <c>CaFile</c> alone keeps the
/// context; a resumed handshake is still verified against the new roots (the peer certificate is checked after
/// every handshake), so trust follows the new bundle either way.</para>
/// </remarks>
internal sealed partial class TlsConnector : IDisposable
{
    private static readonly List<SslApplicationProtocol> Http11Only = [SslApplicationProtocol.Http11];
    private static readonly List<SslApplicationProtocol> Http2Only = [SslApplicationProtocol.Http2];

    private readonly string _service;
    private readonly string _fallbackName;
    private readonly TlsMaterialSource _material;
    private readonly TlsMetrics? _metrics;
    private readonly ILogger _logger;
    private readonly SslProtocols _protocols;

    public TlsConnector(string service, string serviceHost, TlsOptions options, TlsMaterialSource material, TlsMetrics? metrics, ILogger logger)
    {
        _service = service;
        _fallbackName = serviceHost;
        Options = options;
        _material = material;
        _metrics = metrics;
        _logger = logger;
        _protocols = options.MinVersion == SslProtocols.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13;
    }

    public TlsOptions Options { get; }

    /// <summary>The generation of the material new connections use now (0 while none loaded).</summary>
    public long Generation => _material.Current?.Generation ?? 0;

    public TlsMaterialSource Material => _material;

    /// <summary>The name sent as SNI and verified: <c>ServerName</c>, else the pod's DNS name.</summary>
    public string TargetHost(PodEndpoint pod) =>
        Options.ServerName ?? (string.IsNullOrEmpty(pod.HostName) ? _fallbackName : pod.HostName.TrimEnd('.'));

    /// <summary>
    /// Completes a handshake over <paramref name="inner"/> (owned from here on: disposed on failure) within
    /// <paramref name="timeout"/>. Throws <see cref="TlsHandshakeException"/> with the cause, or
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> ends it.
    /// </summary>
    public async ValueTask<TlsStream> AuthenticateAsync(Stream inner, PodEndpoint pod, TlsAlpn alpn, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var material = _material.Current;
        if (material is null)
        {
            await inner.DisposeAsync();
            Fail(pod, TlsFailureCause.NoMaterial, _material.InitialError ?? "the TLS files did not load", null);
        }
        var targetHost = TargetHost(pod);
        var verifier = new Verifier(targetHost, Options.InsecureSkipVerify);
        var ssl = new PodSslStream(inner);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = _protocols,
            ApplicationProtocols = alpn switch
            {
                TlsAlpn.Http2 => Http2Only,
                TlsAlpn.Http11 => Http11Only,
                _ => null,
            },
            AllowRenegotiation = false,
            ClientCertificateContext = material!.ClientCertificate,
            CertificateChainPolicy = material.ChainPolicy,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = verifier.Validate,
        };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync();
            Fail(pod, TlsFailureCause.Timeout, $"no completed handshake within Timeouts:Connect ({timeout})", null);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or System.ComponentModel.Win32Exception && !cancellationToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync();
            if (verifier.Failure is null && deadline.IsCancellationRequested)
            {
                // The deadline can surface as a broken stream rather than a cancellation.
                Fail(pod, TlsFailureCause.Timeout, $"no completed handshake within Timeouts:Connect ({timeout})", ex);
            }
            var (cause, detail) = verifier.Failure ?? TlsFailureClassifier.FromException(ex);
            Fail(pod, cause, detail, ex);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
        if (alpn == TlsAlpn.Http2 && ssl.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2)
        {
            await ssl.DisposeAsync();
            Fail(pod, TlsFailureCause.NoH2, "the pod did not agree to h2 by ALPN (UpstreamHttpVersion '2' needs it)", null);
        }
        _metrics?.Handshake(_service, pod.Name, success: true);
        return new TlsStream(ssl, material.Generation);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Fail(PodEndpoint pod, TlsFailureCause cause, string detail, Exception? inner)
    {
        _metrics?.Handshake(_service, pod.Name, success: false);
        Log.HandshakeFailed(_logger, _service, pod.Name, TlsFailureClassifier.Describe(cause), detail);
        throw new TlsHandshakeException(cause, detail, inner);
    }

    public void Dispose() => _material.Dispose();

    /// <summary>One handshake's certificate verdict, kept so a refusal is named by its cause rather than by SslStream's message.</summary>
    private sealed class Verifier(string targetHost, bool insecureSkipVerify)
    {
        public (TlsFailureCause Cause, string Detail)? Failure { get; private set; }

        public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (insecureSkipVerify)
            {
                return true;
            }
            Failure = TlsFailureClassifier.FromCertificate(errors, TlsFailureClassifier.StatusOf(chain), targetHost);
            return Failure is null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Service {Service}: TLS handshake with pod {Pod} failed ({Cause}): {Detail}")]
        public static partial void HandshakeFailed(ILogger logger, string service, string pod, string cause, string detail);
    }
}
