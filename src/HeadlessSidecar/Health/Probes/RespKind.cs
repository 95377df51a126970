namespace HeadlessSidecar.Health.Probes;

/// <summary>The RESP2 reply types a probe accepts.</summary>
internal enum RespKind
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Null,
    Array,
}
