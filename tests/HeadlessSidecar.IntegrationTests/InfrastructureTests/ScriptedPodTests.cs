using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

/// <summary>The scripted pod's own shutdown: tests dispose it while connections still arrive.</summary>
public sealed class ScriptedPodTests
{
    [Fact]
    public async Task DisposeAsync_WhileConnectionsArrive_EndsQuietly()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = LoopbackAddresses.Next();
        for (var i = 0; i < 200; i++)
        {
            var endPoint = new IPEndPoint(address, LoopbackAddresses.FreePort(address));
            var pod = new ScriptedPod(endPoint, _ => ScriptedPod.Reply.Text("HTTP/1.1 204 No Content\r\n\r\n"));
            using var client = new TcpClient();
            await client.ConnectAsync(endPoint, ct);

            // The accept loop is between an accepted connection and its next accept when disposal stops the listener.
            var disposal = await Record.ExceptionAsync(() => pod.DisposeAsync().AsTask());

            Assert.Null(disposal);
        }
    }
}
