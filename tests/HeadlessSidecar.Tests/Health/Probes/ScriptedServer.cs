using System.Net;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.Tests.Health.Probes;

/// <summary>
/// A fake server on a loopback socket pair that plays a script of recorded-style bytes against a probe.
/// The server's side is shut down for sending when the script ends, so the probe sees the end of stream.
/// </summary>
internal static class ScriptedServer
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task<ProbeResult> ProbeAsync(
        IProtocolProbe probe,
        Func<NetworkStream, Task> script,
        ProbeCredentials? credentials = null,
        TimeSpan? timeout = null)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint, cancellationToken);
        using var server = await listener.AcceptTcpClientAsync(cancellationToken);
        var serverStream = server.GetStream();
        var serverTask = Task.Run(async () =>
        {
            try
            {
                await script(serverStream);
                server.Client.Shutdown(SocketShutdown.Send);
            }
            catch (IOException)
            {
                // The probe may hang up before the script is done: that is the probe's verdict to check.
            }
        }, CancellationToken.None);

        using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probeTimeout.CancelAfter(timeout ?? Timeout);
        ProbeResult result;
        try
        {
            result = await probe.ProbeAsync(client.GetStream(), credentials, probeTimeout.Token);
        }
        finally
        {
            client.Client.Shutdown(SocketShutdown.Both);
        }

        await serverTask.WaitAsync(Timeout, CancellationToken.None);
        return result;
    }

    /// <summary>A script that sends <paramref name="reply"/> once <paramref name="expectedRequest"/> arrived.</summary>
    public static Func<NetworkStream, Task> Answer(byte[] expectedRequest, byte[] reply) => async stream =>
    {
        var received = await ReadExactlyAsync(stream, expectedRequest.Length);
        Assert.Equal(expectedRequest, received);
        await stream.WriteAsync(reply);
    };

    public static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer);
        return buffer;
    }

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
