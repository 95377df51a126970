namespace HeadlessSidecar.Hosting;

/// <summary>Which Kestrel endpoint of a <see cref="ListenerGroup"/> an accepted connection is handed to.</summary>
public enum ListenerRole
{
    /// <summary>Every connection of a group that does not sniff HTTP.</summary>
    Raw,

    /// <summary>Connections of a sniffing group that did not open with the HTTP/2 preface.</summary>
    Http1,

    /// <summary>Connections of a sniffing group that opened with the HTTP/2 prior-knowledge preface.</summary>
    Http2,
}
