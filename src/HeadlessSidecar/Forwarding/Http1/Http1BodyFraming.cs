namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>How the request body goes upstream.</summary>
internal enum Http1BodyFraming
{
    None,
    ContentLength,
    Chunked,
}
