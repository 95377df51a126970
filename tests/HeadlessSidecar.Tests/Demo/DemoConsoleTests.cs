using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Demo;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeadlessSidecar.Tests.Demo;

public sealed class DemoConsoleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<bool> AcceptsAsync(IPEndPoint endPoint)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, Ct);
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return false;
        }
    }

    [Fact]
    public async Task ExecuteAsync_StopThenStart_PodRefusesThenAcceptsAtItsAddress()
    {
        await using var pods = await DemoPodSet.StartAsync(2, port: 0, NullLogger.Instance, Ct);
        var web1 = new IPEndPoint(DemoPodSet.AddressOf(1), pods.Port);
        Assert.True(await AcceptsAsync(web1));

        Assert.StartsWith("web-1 stopped", await DemoConsole.ExecuteAsync("stop web-1", pods, Ct), StringComparison.Ordinal);
        Assert.False(await AcceptsAsync(web1));
        Assert.Equal(["web-0"], pods.Pods.Select(p => p.Name));
        Assert.Equal("web-1 is already stopped", await DemoConsole.ExecuteAsync("  STOP   web-1 ", pods, Ct));

        Assert.StartsWith("web-1 started again", await DemoConsole.ExecuteAsync("start web-1", pods, Ct), StringComparison.Ordinal);
        Assert.True(await AcceptsAsync(web1));
        Assert.Equal(["web-0", "web-1"], pods.Pods.Select(p => p.Name));
        Assert.Equal("web-1 is already running", await DemoConsole.ExecuteAsync("start web-1", pods, Ct));
        // DNS goes on listing the stopped pod: only health checks may take it out.
        Assert.Equal(2, pods.ZonePods.Length);
    }

    [Theory]
    [InlineData("restart web-1", "'restart web-1' is not a demo command; " + DemoConsole.Usage)]
    [InlineData("stop", "'stop' is not a demo command; " + DemoConsole.Usage)]
    [InlineData("stop web-5", "'web-5' is not a pod of this demo (web-0..web-1)")]
    [InlineData("help", DemoConsole.Usage)]
    [InlineData("   ", null)]
    public async Task ExecuteAsync_OtherInput_ExplainsAndChangesNothing(string line, string? reply)
    {
        await using var pods = await DemoPodSet.StartAsync(2, port: 0, NullLogger.Instance, Ct);

        Assert.Equal(reply, await DemoConsole.ExecuteAsync(line, pods, Ct));
        Assert.Equal(2, pods.Pods.Length);
    }

    [Fact]
    public async Task RunAsync_InputEnds_RepliesToEachLineAndReturns()
    {
        await using var pods = await DemoPodSet.StartAsync(2, port: 0, NullLogger.Instance, Ct);
        using var output = new StringWriter();

        await DemoConsole.RunAsync(new StringReader("stop web-0\n\nstart web-0\n"), output, pods, Ct);

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("web-0 stopped", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("web-0 started again", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_AfterDispose_SaysTheDemoIsStopping()
    {
        var pods = await DemoPodSet.StartAsync(1, port: 0, NullLogger.Instance, Ct);
        await pods.DisposeAsync();

        Assert.Equal("the demo is stopping", await DemoConsole.ExecuteAsync("start web-0", pods, Ct));
    }
}
