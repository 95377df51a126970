using System.Net.Sockets;
using HeadlessSidecar.Forwarding;
using HeadlessSidecar.Tls;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Tests.Forwarding;

public class AttemptFailureTlsTests
{
    [Fact]
    public void Classify_HandshakeFailureInsideConnectError_TlsErrorNothingSentWithCause()
    {
        var handshake = new TlsHandshakeException(TlsFailureCause.Untrusted, "the pod's certificate does not chain to a trusted root (UntrustedRoot)");
        var failure = AttemptFailure.Classify(ForwarderError.Request, new HttpRequestException(HttpRequestError.ConnectionError, "connect", handshake));
        Assert.Equal(AttemptFailure.TlsError, failure.Reason);
        Assert.False(failure.RequestSent);
        Assert.StartsWith("TLS handshake failed: untrusted: ", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_AlertOnFirstRead_TlsErrorButRequestCountedSent()
    {
        var read = new IOException("Received an unexpected EOF", new InvalidOperationException("error:0A000418:SSL routines::tlsv1 alert unknown ca"));
        var failure = AttemptFailure.Classify(ForwarderError.Request, read);
        Assert.Equal(AttemptFailure.TlsError, failure.Reason);
        Assert.True(failure.RequestSent);
        Assert.Contains("client certificate rejected", failure.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("An HTTP/2 connection could not be established because the server did not complete the HTTP/2 handshake.")]
    [InlineData("net_http_http2_connection_not_established")]
    public void Classify_H2NeverStartedOverTls_ClientCertificateRejected(string message)
    {
        var exception = new HttpRequestException("An error occurred while sending the request.", new IOException(message));
        var failure = AttemptFailure.Classify(ForwarderError.Request, exception, http2OverTls: true);
        Assert.Equal(AttemptFailure.TlsError, failure.Reason);
        Assert.False(failure.RequestSent);
        Assert.Contains("client certificate rejected", failure.Detail, StringComparison.Ordinal);
        Assert.Equal(AttemptFailure.Reset, AttemptFailure.Classify(ForwarderError.Request, exception).Reason);
    }

    [Fact]
    public void Classify_H2NeverStartedMessageOnTheHttpRequestExceptionItself_ClientCertificateRejected()
    {
        // The pool found the new connection dead before handing it out: no IOException inside.
        var exception = new HttpRequestException("An HTTP/2 connection could not be established because the server did not complete the HTTP/2 handshake.");
        var failure = AttemptFailure.Classify(ForwarderError.Request, exception, http2OverTls: true);
        Assert.Equal(AttemptFailure.TlsError, failure.Reason);
        Assert.Contains("client certificate rejected", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_PodClosedANewConnectionUnreadDuringTheAttempt_ClientCertificateRejectedWhateverTheException()
    {
        // A request already started on the connection fails with its own body's cancellation.
        var exception = new HttpRequestException("An error occurred while sending the request.",
            new IOException("An error occurred when reading the request body from the client.", new OperationCanceledException()));
        var failure = AttemptFailure.Classify(ForwarderError.Request, exception, http2OverTls: true, closedUnread: true);
        Assert.Equal(AttemptFailure.TlsError, failure.Reason);
        Assert.False(failure.RequestSent);
        Assert.Contains("client certificate rejected", failure.Detail, StringComparison.Ordinal);
        Assert.Equal(AttemptFailure.Reset, AttemptFailure.Classify(ForwarderError.Request, exception, http2OverTls: true).Reason);
        Assert.Equal(AttemptFailure.Reset, AttemptFailure.Classify(ForwarderError.Request, exception, closedUnread: true).Reason);
    }

    [Fact]
    public void UpstreamBehindBody_BodyCopyCancelledBecauseTheSendFailed_ThePodsFailure()
    {
        var send = new HttpRequestException("An HTTP/2 connection could not be established because the server did not complete the HTTP/2 handshake.");
        var aggregate = new AggregateException(new OperationCanceledException(), send);
        Assert.Same(send, AttemptFailure.UpstreamBehindBody(ForwarderError.RequestBodyClient, aggregate));
        var failure = AttemptFailure.Classify(ForwarderError.Request, send, http2OverTls: true);
        Assert.Equal(AttemptFailure.TlsError, failure.Reason);
    }

    [Fact]
    public void UpstreamBehindBody_TheAppsBodyReallyFailed_StaysTheApps()
    {
        var malformed = new IOException("bad chunk");
        Assert.Null(AttemptFailure.UpstreamBehindBody(ForwarderError.RequestBodyClient, malformed));
        Assert.Null(AttemptFailure.UpstreamBehindBody(ForwarderError.RequestBodyClient,
            new AggregateException(malformed, new HttpRequestException("send"))));
        Assert.Null(AttemptFailure.UpstreamBehindBody(ForwarderError.RequestBodyClient,
            new AggregateException(new OperationCanceledException(), new OperationCanceledException())));
        Assert.Null(AttemptFailure.UpstreamBehindBody(ForwarderError.Request,
            new AggregateException(new OperationCanceledException(), new HttpRequestException("send"))));
    }

    [Fact]
    public void Classify_PlainConnectRefused_StillConnectError() =>
        Assert.Equal(AttemptFailure.ConnectError,
            AttemptFailure.Classify(ForwarderError.Request, new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused))).Reason);
}
