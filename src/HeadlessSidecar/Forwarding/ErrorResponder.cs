using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using HeadlessSidecar.Routing;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Forwarding;

/// <summary>Writes the contract's error answer: status, <c>X-Headless-Error</c> and <c>{"error","detail"}</c> (for a gRPC call, its gRPC form).</summary>
internal static class ErrorResponder
{
    public const string ErrorHeader = "X-Headless-Error";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // One writer per thread, pointed at each response in turn: a writer is a class, and the answer is written
    // synchronously before the only await, so no other request can reach this thread's writer meanwhile.
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static Task WriteAsync(HttpContext context, ProxyError error, string detail)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Too late for an answer of our own: end the exchange so the app sees a failure, not a short body.
            context.Abort();
            return Task.CompletedTask;
        }
        // Whatever an attempt had copied goes, except a drain's Connection: close (the app must still reconnect).
        var connection = response.Headers.Connection;
        response.Clear();
        if (!Microsoft.Extensions.Primitives.StringValues.IsNullOrEmpty(connection))
        {
            response.Headers.Connection = connection;
        }
        response.Headers[ErrorHeader] = error.Code;
        if (Grpc.GrpcRequest.IsGrpc(context.Request))
        {
            Grpc.GrpcErrorResponder.Write(response, error, detail);
            return Task.CompletedTask;
        }
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        var body = response.BodyWriter;
        WriteJson(body, error.Code, detail);
        body.Write("\n"u8);
        var flush = body.FlushAsync();
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    private static void WriteJson(IBufferWriter<byte> body, string code, string detail)
    {
        var writer = t_writer;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(body, WriterOptions);
            t_writer = writer;
        }
        else
        {
            writer.Reset(body);
        }
        try
        {
            writer.WriteStartObject();
            writer.WriteString("error", code);
            writer.WriteString("detail", detail);
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            // Drop the response's pipe (and any half-written state after a failure) before the next request.
            writer.Reset(NullBufferWriter.Instance);
        }
    }

    /// <summary>Where an idle writer points between answers: holds no response alive.</summary>
    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count) => throw new InvalidOperationException();

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException();

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException();
    }
}
