namespace HeadlessSidecar.Forwarding.Grpc;

/// <summary>The gRPC status codes, by their numbers on the wire (<c>grpc-status</c>).</summary>
internal static class GrpcStatusCode
{
    public const int Ok = 0;
    public const int DeadlineExceeded = 4;
    public const int InvalidArgument = 3;
    public const int Unimplemented = 12;
    public const int Unavailable = 14;

    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    // The wire form of each code, so answering one allocates no string.
    private static readonly string[] Numbers = [.. Enumerable.Range(0, Names.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public static int Count => Names.Length;

    /// <summary>The code's name as the gRPC spec spells it (<c>UNAVAILABLE</c>).</summary>
    public static string Name(int code) => (uint)code < (uint)Names.Length ? Names[code] : code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The code as <c>grpc-status</c> carries it.</summary>
    public static string Wire(int code) => Numbers[code];

    /// <summary>A name (any case, <c>UNAVAILABLE</c>) or a number (<c>14</c>).</summary>
    public static bool TryParse(string? value, out int code)
    {
        code = -1;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        value = value.Trim();
        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            code = number;
            return number < Names.Length;
        }
        code = Array.FindIndex(Names, n => n.Equals(value, StringComparison.OrdinalIgnoreCase));
        return code >= 0;
    }

    /// <summary>The status the sidecar answers a gRPC call with in place of its own HTTP error status (contract section 3).</summary>
    public static int ForHttpStatus(int status) => status switch
    {
        400 => InvalidArgument,
        404 => Unimplemented,
        504 => DeadlineExceeded,
        _ => Unavailable,
    };
}
