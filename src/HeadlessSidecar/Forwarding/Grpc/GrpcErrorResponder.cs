using System.Text;
using HeadlessSidecar.Routing;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Forwarding.Grpc;

/// <summary>
/// The sidecar's own errors as a gRPC client understands them (contract section 3): HTTP 200, Trailers-Only
/// (on HTTP/2 one HEADERS frame that ends the stream) with <c>grpc-status</c> and <c>grpc-message</c>, so the
/// app's library reports UNAVAILABLE rather than "unexpected content-type".
/// </summary>
internal static class GrpcErrorResponder
{
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";

    /// <summary>Fills an empty response; nothing is written to the body, so Kestrel sends the headers with end of stream.</summary>
    public static void Write(HttpResponse response, ProxyError error, string detail)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcRequest.ContentType;
        response.Headers[StatusHeader] = GrpcStatusCode.Wire(GrpcStatusCode.ForHttpStatus(error.Status));
        response.Headers[MessageHeader] = EncodeMessage($"{error.Code}: {detail}");
    }

    /// <summary>
    /// Percent-encodes a <c>grpc-message</c> as the gRPC spec asks: UTF-8, with every byte outside printable
    /// ASCII and '%' itself as <c>%XX</c>.
    /// </summary>
    public static string EncodeMessage(string message)
    {
        var clean = true;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                clean = false;
                break;
            }
        }
        if (clean)
        {
            return message;
        }
        var builder = new StringBuilder(message.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is < 0x20 or > 0x7E or (byte)'%')
            {
                builder.Append('%').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            }
            else
            {
                builder.Append((char)b);
            }
        }
        return builder.ToString();
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);
}
