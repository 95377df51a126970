using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>The outcome of one lean attempt, in YARP's terms so the handler treats both forwarders alike.</summary>
internal readonly record struct Http1ForwardResult(ForwarderError Error, Exception? Exception)
{
    public static Http1ForwardResult Success => default;
}
