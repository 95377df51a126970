using System.Net.Security;

namespace HeadlessSidecar.Tls;

/// <summary>An authenticated stream to a pod and the material generation it was made with.</summary>
internal readonly record struct TlsStream(SslStream Stream, long Generation);
