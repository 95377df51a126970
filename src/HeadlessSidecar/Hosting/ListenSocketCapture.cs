using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// Hands a <see cref="ListenerGroup"/> the listening socket Kestrel's socket transport binds for it, so the group can also
/// accept on it directly. The transport's options are the app's (they carry Kestrel's memory pool, which only the
/// transport can hand its connections), so the hook wraps their <see cref="SocketTransportOptions.CreateBoundListenSocket"/>
/// once and captures only within the group's own bind call (an async-local flag): other binds go through untouched.
/// </summary>
internal static class ListenSocketCapture
{
    private static readonly AsyncLocal<StrongBox?> Current = new();
    private static readonly Lock Sync = new();

    /// <summary>Wraps the options' socket factory, once per options object.</summary>
    public static void Install(SocketTransportOptions options)
    {
        lock (Sync)
        {
            if (options.CreateBoundListenSocket.Target is Hook)
            {
                return;
            }
            options.CreateBoundListenSocket = new Hook(options.CreateBoundListenSocket).Create;
        }
    }

    /// <summary>Runs <paramref name="bind"/> and returns what it bound with the listening socket it made.</summary>
    public static async ValueTask<(T Bound, Socket Socket)> BindAsync<T>(Func<ValueTask<T>> bind)
    {
        var box = new StrongBox();
        Current.Value = box;
        try
        {
            var bound = await bind();
            return (bound, box.Socket ?? throw new InvalidOperationException("The socket transport bound no socket through its options' CreateBoundListenSocket."));
        }
        finally
        {
            Current.Value = null;
        }
    }

    private sealed class StrongBox
    {
        public Socket? Socket;
    }

    private sealed class Hook(Func<EndPoint, Socket> inner)
    {
        public Socket Create(EndPoint endPoint)
        {
            var socket = inner(endPoint);
            if (Current.Value is { } box)
            {
                box.Socket = socket;
            }
            return socket;
        }
    }
}
