using System.Net;

namespace HeadlessSidecar.Discovery;

/// <summary>An A or AAAA record; <see cref="Name"/> is absolute (ends with a dot).</summary>
internal sealed record DnsAddressRecord(string Name, IPAddress Address, TimeSpan Ttl);
