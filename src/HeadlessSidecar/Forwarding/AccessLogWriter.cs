using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// <c>AccessLog: true</c>: one JSON line per request on stdout (logs go to stderr, so stdout stays
/// machine-readable). Lines are written whole under a lock, never interleaved.
/// </summary>
internal sealed class AccessLogWriter : IDisposable
{
    private readonly Stream _output;
    // Shared by the HTTP and TCP writers: one line at a time on stdout, never interleaved.
    private static readonly Lock _lock = new();
    private readonly TimeProvider _time;

    public AccessLogWriter(TimeProvider time, Stream? output = null)
    {
        _time = time;
        _output = output ?? Console.OpenStandardOutput();
    }

    public void Write(in AccessLogEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("time", _time.GetUtcNow());
            writer.WriteString("service", entry.Service);
            writer.WriteString("pod", entry.Pod);
            writer.WriteString("method", entry.Method);
            writer.WriteString("path", entry.Path);
            writer.WriteString("protocol", entry.Protocol);
            writer.WriteNumber("status", entry.Status);
            if (entry.Error is not null)
            {
                writer.WriteString("error", entry.Error);
            }
            writer.WriteNumber("attempts", entry.Attempts);
            if (entry.FailoverReason is not null)
            {
                writer.WriteString("failoverReason", entry.FailoverReason);
            }
            else
            {
                writer.WriteNull("failoverReason");
            }
            writer.WriteNumber("bytesReceived", entry.BytesReceived);
            writer.WriteNumber("bytesSent", entry.BytesSent);
            writer.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 3));
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        lock (_lock)
        {
            _output.Write(buffer.WrittenSpan);
            _output.Flush();
        }
    }

    public void Dispose() => _output.Dispose();
}
