using System.Net;

namespace HeadlessSidecar.Demo;

/// <summary>One ready pod as the zone publishes it: <paramref name="Name"/> is its hostname label (<c>web-0</c>).</summary>
internal sealed record DemoZonePod(string Name, IPAddress Address);
