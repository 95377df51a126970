namespace HeadlessSidecar.Tls;

/// <summary>What a connection offers by ALPN: nothing (a Tcp service), <c>http/1.1</c>, or <c>h2</c>.</summary>
internal enum TlsAlpn
{
    None,
    Http11,
    Http2,
}
