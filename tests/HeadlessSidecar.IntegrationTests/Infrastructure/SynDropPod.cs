using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A black-holed pod on loopback: a socket that listens with the smallest backlog and never accepts, its accept
/// queue filled by a connection of its own. Linux then drops every further SYN (unless
/// <c>net.ipv4.tcp_abort_on_overflow</c> is set), so a connect waits as it does for a node that drops packets.
/// </summary>
public sealed class SynDropPod : IDisposable
{
    private readonly Socket _listener;
    private readonly Socket _filler;

    private SynDropPod(Socket listener, Socket filler, IPEndPoint endPoint)
    {
        _listener = listener;
        _filler = filler;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public static async Task<SynDropPod> StartAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var filler = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(0);
            await filler.ConnectAsync(endPoint, cancellationToken);
            var pod = new SynDropPod(listener, filler, endPoint);
            // Prove the black hole: a further connect must hang rather than succeed or be refused.
            using var probe = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromMilliseconds(300));
            try
            {
                await probe.ConnectAsync(endPoint, wait.Token);
                throw new InvalidOperationException($"{endPoint} accepted a connection past its full backlog: SYNs are not dropped here.");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return pod;
            }
        }
        catch
        {
            filler.Dispose();
            listener.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _filler.Dispose();
        _listener.Dispose();
    }
}
