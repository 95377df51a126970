using HeadlessSidecar.Limits;

namespace HeadlessSidecar.Hosting;

/// <summary>How one socket of a mixed <see cref="ListenerGroup"/> is served: sniffed HTTP or raw TCP, under which limiter.</summary>
internal sealed record SocketUse(bool SniffHttp, ListenerLimiter Limiter);
