using System.Net.Sockets;
using HeadlessSidecar.Forwarding;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Tests.Failover;

public class AttemptFailureTests
{
    [Fact]
    public void Classify_ConnectionRefused_IsConnectErrorNothingSent()
    {
        var failure = AttemptFailure.Classify(ForwarderError.Request,
            new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused)));
        Assert.Equal("connect_error", failure.Reason);
        Assert.False(failure.RequestSent);
        Assert.Equal("connection refused", failure.Detail);
    }

    [Fact]
    public void Classify_ConnectTimeout_IsConnectError()
    {
        var failure = AttemptFailure.Classify(ForwarderError.Request, new HttpRequestException("timed out", new TimeoutException()));
        Assert.Equal("connect_error", failure.Reason);
        Assert.False(failure.RequestSent);
        Assert.True(failure.ConnectTimedOut);
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused, false)]
    [InlineData(SocketError.HostUnreachable, false)]
    [InlineData(SocketError.TimedOut, true)]
    public void Classify_ConnectionErrorFromHandler_TimedOutOnlyForATimeout(SocketError error, bool timedOut)
    {
        var failure = AttemptFailure.Classify(ForwarderError.Request,
            new HttpRequestException(HttpRequestError.ConnectionError, "connect", new SocketException((int)error)));
        Assert.Equal("connect_error", failure.Reason);
        Assert.Equal(timedOut, failure.ConnectTimedOut);
    }

    [Fact]
    public void Classify_ResponseEnded_IsResetAfterSending()
    {
        var failure = AttemptFailure.Classify(ForwarderError.Request, new HttpRequestException(HttpRequestError.ResponseEnded, "ended"));
        Assert.Equal("reset", failure.Reason);
        Assert.True(failure.RequestSent);
        Assert.Equal("connection closed before a response", failure.Detail);
    }

    [Fact]
    public void Classify_ActivityTimeout_IsTimeout()
    {
        Assert.Equal("timeout", AttemptFailure.Classify(ForwarderError.RequestTimedOut, null).Reason);
    }

    [Fact]
    public void Status_NamesTheCode()
    {
        var failure = AttemptFailure.Status(503);
        Assert.Equal("status_503", failure.Reason);
        Assert.True(failure.RequestSent);
    }
}
