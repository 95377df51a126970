using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Limits;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// Takes the raw TCP connections a <see cref="ListenerGroup"/> accepts, without Kestrel (<see cref="ListenerGroup.AcceptTcpWith"/>):
/// from the call on, the socket and its slot under the listener's limit are the handler's to close and release.
/// </summary>
internal interface IAcceptedSocketHandler
{
    /// <summary>Called on the accept loop: start the work and return, the loop goes back to accepting.</summary>
    /// <param name="socket">The accepted connection.</param>
    /// <param name="listen">The address of the listening socket it arrived on (a wildcard address as bound).</param>
    /// <param name="slot">Its place under the listener's limit, or null when the socket has no limiter.</param>
    void OnAccepted(Socket socket, IPEndPoint listen, ConnectionSlot? slot);
}
