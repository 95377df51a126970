namespace HeadlessSidecar.Discovery;

/// <summary>The response codes (RFC 1035 §4.1.1, RFC 2136) discovery tells apart.</summary>
internal enum DnsRcode
{
    NoError = 0,
    FormatError = 1,
    ServerFailure = 2,
    NotExistentDomain = 3,
    NotImplemented = 4,
    Refused = 5,
    NotAuthorized = 9,
}
