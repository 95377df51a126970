namespace HeadlessSidecar.Forwarding;

internal readonly record struct AccessLogEntry(
    string Service,
    string Pod,
    string Method,
    string Path,
    string Protocol,
    int Status,
    string? Error,
    int Attempts,
    string? FailoverReason,
    long BytesReceived,
    long BytesSent,
    TimeSpan Duration);
