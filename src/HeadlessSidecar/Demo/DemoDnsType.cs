namespace HeadlessSidecar.Demo;

/// <summary>The record types the demo zone knows; any other value still parses and gets NODATA.</summary>
internal enum DemoDnsType : ushort
{
    None = 0,
    A = 1,
    Ns = 2,
    Soa = 6,
    Ptr = 12,
    Aaaa = 28,
    Srv = 33,
    Opt = 41,
    Ixfr = 251,
    Axfr = 252,
    Any = 255,
}
