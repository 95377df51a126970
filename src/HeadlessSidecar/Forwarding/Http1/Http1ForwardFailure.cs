using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>Carries the stage an attempt failed at up to <see cref="Http1Forwarder"/>, which unwraps it.</summary>
internal sealed class Http1ForwardFailure : Exception
{
    public Http1ForwardFailure(ForwarderError error, Exception inner)
        : base(inner.Message, inner)
    {
        Error = error;
    }

    public Http1ForwardFailure()
    {
    }

    public Http1ForwardFailure(string message)
        : base(message)
    {
    }

    public Http1ForwardFailure(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ForwarderError Error { get; }

    /// <summary>The pod sent no byte of an answer (the request may be sent again on a new connection).</summary>
    public bool NothingReceived { get; set; }

    public static Http1ForwardFailure InvalidResponse(ForwarderError error, string reason) =>
        new(error, new HttpRequestException(HttpRequestError.InvalidResponse, $"invalid response from the pod: {reason}"));

    public static Http1ForwardFailure Ended(ForwarderError error, string what) =>
        new(error, new HttpRequestException(HttpRequestError.ResponseEnded, what));
}
