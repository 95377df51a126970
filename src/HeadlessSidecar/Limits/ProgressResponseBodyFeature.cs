using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace HeadlessSidecar.Limits;

/// <summary>Kestrel's response body feature with its stream and writer reporting progress (YARP writes to the
/// stream, the lean forwarder and the error responder to the writer).</summary>
internal sealed class ProgressResponseBodyFeature(IHttpResponseBodyFeature inner, StreamProgress progress) : IHttpResponseBodyFeature
{
    private ProgressStream? _stream;
    private ProgressPipeWriter? _writer;

    public Stream Stream => _stream ??= new ProgressStream(inner.Stream, progress);

    public PipeWriter Writer => _writer ??= new ProgressPipeWriter(inner.Writer, progress);

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        inner.SendFileAsync(path, offset, count, cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();
}
