namespace HeadlessSidecar.Discovery;

/// <summary>The record types discovery asks for.</summary>
internal enum DnsQueryType
{
    A,
    Aaaa,
    Srv,
    Ptr,
}
