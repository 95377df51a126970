namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// One line of a <see cref="NginxTlsPod"/>'s access log: what nginx saw of the TLS session a request came on.
/// <see cref="SessionReused"/> is <c>$ssl_session_reused</c> (an abbreviated, resumed handshake).
/// </summary>
public sealed record NginxTlsRequest(bool SessionReused, string Protocol, string ServerName, string ClientSubject, int Status, string Path);
