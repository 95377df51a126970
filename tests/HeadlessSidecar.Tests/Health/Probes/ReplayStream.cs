namespace HeadlessSidecar.Tests.Health.Probes;

/// <summary>
/// An in-memory connection: reads replay a recorded answer, writes are kept, and writes past
/// <c>failWritesAfter</c> throw as on a connection the server has reset.
/// </summary>
internal sealed class ReplayStream(byte[] answer, int failWritesAfter = int.MaxValue) : Stream
{
    private readonly MemoryStream _answer = new(answer);
    private int _writes;

    public MemoryStream Written { get; } = new();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _answer.Read(buffer, offset, count);

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (++_writes > failWritesAfter)
        {
            throw new IOException("Connection reset by peer");
        }

        Written.Write(buffer, offset, count);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
