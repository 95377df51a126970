namespace HeadlessSidecar.Hosting;

/// <summary>Tuning of a <see cref="ListenerGroup"/>.</summary>
public sealed class ListenerGroupOptions
{
    /// <summary>
    /// How long a new connection of a sniffing group may take to show whether it speaks HTTP/2; a connection that
    /// has not decided by then is closed, so idle sockets cannot pile up before Kestrel's own timeouts apply.
    /// </summary>
    public TimeSpan SniffTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
