using System.Net.Security;

namespace HeadlessSidecar.Tls;

/// <summary>
/// The sidecar's side of a TLS connection to a pod. It notices a pod that ends the connection before sending one byte
/// of application data: a .NET pod that refuses the client certificate after its handshake does exactly that, with no
/// alert, and over HTTP/2 the handler's error then depends on how far its own request had got.
/// </summary>
internal sealed class PodSslStream(Stream inner) : SslStream(inner, leaveInnerStreamOpen: false)
{
    private volatile bool _received;

    /// <summary>Called once the pod has closed (or broken) the connection before any application data arrived.</summary>
    public Action? ClosedUnread { get; set; }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _received || buffer.IsEmpty || ClosedUnread is null ? base.ReadAsync(buffer, cancellationToken) : FirstReadAsync(buffer, cancellationToken);

    private async ValueTask<int> FirstReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await base.ReadAsync(buffer, cancellationToken);
        }
        catch (IOException)
        {
            ClosedUnread?.Invoke();
            throw;
        }
        if (read > 0)
        {
            _received = true;
        }
        else
        {
            ClosedUnread?.Invoke();
        }
        return read;
    }
}
