using System.Text.Encodings.Web;
using System.Text.Json;
using HeadlessSidecar.Routing;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Forwarding;

/// <summary>Writes the contract's error answer: status, <c>X-Headless-Error</c> and <c>{"error","detail"}</c>.</summary>
internal static class ErrorResponder
{
    public const string ErrorHeader = "X-Headless-Error";

    public static async Task WriteAsync(HttpContext context, ProxyError error, string detail)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Too late for an answer of our own: end the exchange so the app sees a failure, not a short body.
            context.Abort();
            return;
        }
        response.Clear();
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        response.Headers[ErrorHeader] = error.Code;
        using (var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("error", error.Code);
            writer.WriteString("detail", detail);
            writer.WriteEndObject();
        }
        await response.BodyWriter.WriteAsync("\n"u8.ToArray());
    }
}
