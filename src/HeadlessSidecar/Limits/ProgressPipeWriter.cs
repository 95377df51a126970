using System.IO.Pipelines;

namespace HeadlessSidecar.Limits;

/// <summary>The response's <see cref="PipeWriter"/>, reporting each completed flush to a <see cref="StreamProgress"/>:
/// a flush that waits on a closed HTTP/2 window is no progress.</summary>
internal sealed class ProgressPipeWriter(PipeWriter inner, StreamProgress progress) : PipeWriter
{
    public override void Advance(int bytes) => inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        var result = await inner.FlushAsync(cancellationToken);
        progress.Moved();
        return result;
    }

    public override async ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        var result = await inner.WriteAsync(source, cancellationToken);
        progress.Moved();
        return result;
    }
}
