using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// <c>Health:Check: Grpc</c> (contract section 4): <c>grpc.health.v1.Health/Check</c> over h2c for
/// <c>Health:GrpcService</c>; only <c>SERVING</c> is healthy. The two tiny protobuf messages are encoded by hand
/// (request: field 1, string <c>service</c>; response: field 1, enum <c>status</c>) so the binary needs no codegen.
/// </summary>
internal static class GrpcHealthProbe
{
    public const string Path = "/grpc.health.v1.Health/Check";

    /// <summary><c>HealthCheckResponse.ServingStatus.SERVING</c>.</summary>
    public const int Serving = 1;

    private static readonly string[] StatusNames = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");

    /// <summary>Probes one pod; returns null when it is <c>SERVING</c>, else why not. Cancellation bounds it.</summary>
    public static async Task<string?> ProbeAsync(HttpMessageInvoker client, string destinationPrefix, string service, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, destinationPrefix + Path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(EncodeRequest(service)),
        };
        request.Content.Headers.ContentType = GrpcContentType;
        request.Headers.TE.ParseAdd("trailers");
        request.Headers.UserAgent.ParseAdd("headless-sidecar-probe");
        using var response = await client.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return $"{Path} answered HTTP {(int)response.StatusCode}";
        }
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var grpcStatus = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        if (grpcStatus != "0")
        {
            return $"{Path} answered grpc-status {grpcStatus ?? "(none)"}";
        }
        if (!TryDecodeResponse(body, out var status))
        {
            return $"{Path} answered a malformed message";
        }
        return status == Serving ? null : $"{Path} answered {StatusName(status)}";
    }

    /// <summary>A length-prefixed gRPC message holding <c>HealthCheckRequest{service}</c>.</summary>
    public static byte[] EncodeRequest(string service)
    {
        var name = Encoding.UTF8.GetBytes(service);
        var payload = name.Length == 0 ? 0 : 1 + VarintLength((uint)name.Length) + name.Length;
        var message = new byte[5 + payload];
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(1), (uint)payload);
        if (name.Length > 0)
        {
            var at = 5;
            message[at++] = 0x0A; // field 1, length-delimited
            at += WriteVarint(message.AsSpan(at), (uint)name.Length);
            name.CopyTo(message, at);
        }
        return message;
    }

    /// <summary>
    /// Reads <c>HealthCheckResponse.status</c> from one uncompressed length-prefixed message; unknown fields are
    /// skipped, an absent status is UNKNOWN (protobuf's default).
    /// </summary>
    public static bool TryDecodeResponse(ReadOnlySpan<byte> message, out int status)
    {
        status = 0;
        if (message.Length < 5 || message[0] != 0)
        {
            return false;
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(message[1..]);
        if (length != message.Length - 5)
        {
            return false;
        }
        var payload = message[5..];
        while (!payload.IsEmpty)
        {
            if (!TryReadVarint(ref payload, out var tag))
            {
                return false;
            }
            var field = tag >> 3;
            switch (tag & 7)
            {
                case 0:
                    if (!TryReadVarint(ref payload, out var value))
                    {
                        return false;
                    }
                    if (field == 1)
                    {
                        status = (int)value;
                    }
                    break;
                case 1:
                    if (payload.Length < 8)
                    {
                        return false;
                    }
                    payload = payload[8..];
                    break;
                case 2:
                    if (!TryReadVarint(ref payload, out var size) || size > (ulong)payload.Length)
                    {
                        return false;
                    }
                    payload = payload[(int)size..];
                    break;
                case 5:
                    if (payload.Length < 4)
                    {
                        return false;
                    }
                    payload = payload[4..];
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    public static string StatusName(int status) => (uint)status < (uint)StatusNames.Length ? StatusNames[status] : $"status {status}";

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static bool TryReadVarint(ref ReadOnlySpan<byte> span, out ulong value)
    {
        value = 0;
        for (var i = 0; i < 10 && i < span.Length; i++)
        {
            value |= (ulong)(span[i] & 0x7F) << (7 * i);
            if ((span[i] & 0x80) == 0)
            {
                span = span[(i + 1)..];
                return true;
            }
        }
        return false;
    }

    private static int VarintLength(uint value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }
        return length;
    }

    private static int WriteVarint(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }
}
