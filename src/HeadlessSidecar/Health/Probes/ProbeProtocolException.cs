namespace HeadlessSidecar.Health.Probes;

/// <summary>An answer that breaks the protocol or a size limit; probes turn it into an unhealthy result.</summary>
internal sealed class ProbeProtocolException : Exception
{
    public ProbeProtocolException()
    {
    }

    public ProbeProtocolException(string message)
        : base(message)
    {
    }

    public ProbeProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
