using System.Buffers.Binary;
using System.IO.Pipelines;
using HeadlessSidecar.Limits;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Limits;

public class Http2FrameGuardTests
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
    private readonly FakeTimeProvider _time = new();

    private static byte[] Frame(byte type, byte flags, int streamId, int length)
    {
        var frame = new byte[9 + length];
        frame[0] = (byte)(length >> 16);
        frame[1] = (byte)(length >> 8);
        frame[2] = (byte)length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        return frame;
    }

    private static byte[] Repeat(byte[] frame, int count) => [.. Enumerable.Repeat(frame, count).SelectMany(f => f)];

    /// <summary>Feeds the bytes in small writes and reads them through the guard as Kestrel would; returns what Kestrel saw.</summary>
    private async Task<(long Passed, bool Completed, string? Violation)> RunAsync(byte[] bytes, int chunk = 1000)
    {
        var pipe = new Pipe();
        string? violation = null;
        var guard = new Http2FrameGuard(pipe.Reader, _time, reason => violation = reason);
        long passed = 0;
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            await pipe.Writer.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)), TestContext.Current.CancellationToken);
            var result = await guard.ReadAsync(TestContext.Current.CancellationToken);
            passed += result.Buffer.Length;
            guard.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return (passed, true, violation);
            }
        }
        return (passed, false, violation);
    }

    [Fact]
    public async Task ReadAsync_ThousandPingsInASecond_AllPass()
    {
        var bytes = (byte[])[.. Preface, .. Repeat(Frame(0x6, 0, 0, 8), Http2FrameGuard.MaxAnsweredFramesPerSecond)];
        var (passed, completed, violation) = await RunAsync(bytes);
        Assert.Equal(bytes.Length, passed);
        Assert.False(completed);
        Assert.Null(violation);
    }

    [Fact]
    public async Task ReadAsync_OnePingOverTheBudget_InputEndsBeforeIt()
    {
        var ping = Frame(0x6, 0, 0, 8);
        var bytes = (byte[])[.. Preface, .. Repeat(ping, Http2FrameGuard.MaxAnsweredFramesPerSecond + 50)];
        var (passed, completed, violation) = await RunAsync(bytes);
        Assert.True(completed);
        Assert.Equal(Preface.Length + Http2FrameGuard.MaxAnsweredFramesPerSecond * ping.Length, passed);
        Assert.Contains("SETTINGS and PING", violation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_PingAcksAndANewSecond_NotCounted()
    {
        var ack = Frame(0x6, 0x1, 0, 8);
        var settings = Frame(0x4, 0, 0, 6);
        var bytes = (byte[])[.. Preface, .. Repeat(ack, 3000), .. Repeat(settings, Http2FrameGuard.MaxAnsweredFramesPerSecond)];
        var (passed, completed, violation) = await RunAsync(bytes);
        Assert.False(completed);
        Assert.Null(violation);
        Assert.Equal(bytes.Length, passed);

        _time.Advance(TimeSpan.FromSeconds(1));
        (_, completed, violation) = await RunAsync([.. Preface, .. Repeat(settings, Http2FrameGuard.MaxAnsweredFramesPerSecond)]);
        Assert.False(completed);
        Assert.Null(violation);
    }

    [Fact]
    public async Task ReadAsync_EmptyContinuationFlood_Cut()
    {
        var headers = Frame(0x1, 0, 1, 10);
        var empty = Frame(0x9, 0, 1, 0);
        var bytes = (byte[])[.. Preface, .. headers, .. Repeat(empty, Http2FrameGuard.MaxConsecutiveEmptyFrames + 1)];
        var (passed, completed, violation) = await RunAsync(bytes, chunk: 7);
        Assert.True(completed);
        // At most the offending frame's first header bytes got through (they arrived before the rest of its header).
        var before = Preface.Length + headers.Length + Http2FrameGuard.MaxConsecutiveEmptyFrames * empty.Length;
        Assert.InRange(passed, before, before + 8);
        Assert.Contains("empty", violation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_EmptyFramesBrokenByData_Pass()
    {
        var empty = Frame(0x0, 0, 1, 0);
        var data = Frame(0x0, 0, 1, 5);
        var bytes = (byte[])[.. Preface, .. Repeat([.. Repeat(empty, Http2FrameGuard.MaxConsecutiveEmptyFrames), .. data], 5)];
        var (passed, completed, _) = await RunAsync(bytes, chunk: 13);
        Assert.False(completed);
        Assert.Equal(bytes.Length, passed);
    }
}
