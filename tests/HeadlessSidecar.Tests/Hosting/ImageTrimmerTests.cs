using HeadlessSidecar.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeadlessSidecar.Tests.Hosting;

public class ImageTrimmerTests
{
    [Theory]
    [InlineData("55d0c4a00000-55d0c4b2a000 r--p 00000000 fd:01 1234    /app/headless-sidecar", 0x55d0c4a00000UL, 0x55d0c4b2a000UL)]
    [InlineData("7f0000001000-7f0000002000 r-xp 00001000 fd:01 1234                     /app/headless-sidecar  ", 0x7f0000001000UL, 0x7f0000002000UL)]
    public void ParseMapping_ReadsTheRangeOfTheExecutable(string line, ulong start, ulong end)
    {
        Assert.Equal((start, end), ImageTrimmer.ParseMapping(line, "/app/headless-sidecar"));
    }

    [Theory]
    [InlineData("7f0000001000-7f0000002000 r-xp 00001000 fd:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6")]
    [InlineData("7f0000001000-7f0000002000 rw-p 00000000 00:00 0")]
    [InlineData("7f0000001000-7f0000002000 rw-p 00000000 00:00 0    [heap]")]
    [InlineData("7f0000001000-7f0000002000 r--p 00000000 fd:01 1234 /app/headless-sidecar.dbg")]
    [InlineData("zzzz-7f0000002000 r--p 00000000 fd:01 1234 /app/headless-sidecar")]
    [InlineData("7f0000002000-7f0000001000 r--p 00000000 fd:01 1234 /app/headless-sidecar")]
    public void ParseMapping_IgnoresOtherMappingsAndGarbage(string line)
    {
        Assert.Null(ImageTrimmer.ParseMapping(line, "/app/headless-sidecar"));
    }

    [Fact]
    public void Trim_AdvisesThisProcessesOwnImage_AndTheProcessCarriesOn()
    {
        // The test host is a real executable with file mappings: the advice must be taken and change nothing.
        using var trimmer = new ImageTrimmer(NullLogger<ImageTrimmer>.Instance, TimeProvider.System);
        var advised = trimmer.Trim();
        Assert.True(advised > 0, "no mapping of the test host took MADV_RANDOM + MADV_PAGEOUT");
    }

    [Fact]
    public async Task StartedAsync_TrimsAfterOneSecondAndOnceMoreAfterFive_NeverOnTheStartPath()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var trimmer = new ImageTrimmer(NullLogger<ImageTrimmer>.Instance, time);
        await trimmer.StartedAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, trimmer.Trims);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, trimmer.Trims);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, trimmer.Trims);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(2, trimmer.Trims);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(2, trimmer.Trims);
    }
}
