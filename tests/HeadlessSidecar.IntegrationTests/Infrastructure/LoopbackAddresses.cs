using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// Hands out loopback addresses that no other fixture of this process uses, so servers started by test
/// classes running in parallel never collide. All of 127.0.0.0/8 is routed to lo on Linux.
/// </summary>
public static class LoopbackAddresses
{
    private const int FirstHost = 21;
    private const int HostsPerBlock = 253; // .2 … .254: .0, .1 and .255 are skipped in every /24.
    private const int MaxIndex = 250 * 256 * HostsPerBlock;
    private const int PortAttempts = 50;

    // HEADLESS_SIDECAR_TEST_LOOPBACK_OCTET=N moves this process's range to 127.N.x.x, so test runs of several
    // checkouts on one machine never share an address.
    private static int s_next = (FirstOctet() * 256 * HostsPerBlock) + FirstHost - 2 - 1;

    private static int FirstOctet() =>
        int.TryParse(Environment.GetEnvironmentVariable("HEADLESS_SIDECAR_TEST_LOOPBACK_OCTET"), out var octet) && octet is >= 0 and < 250
            ? octet
            : 0;

    /// <summary>The next unused address: 127.0.0.21, 127.0.0.22, … 127.0.0.254, 127.0.1.2, …</summary>
    public static IPAddress Next()
    {
        var index = Interlocked.Increment(ref s_next);
        if (index >= MaxIndex)
        {
            throw new InvalidOperationException("The loopback address range is exhausted.");
        }

        var host = (index % HostsPerBlock) + 2;
        var block = index / HostsPerBlock;
        return new IPAddress([127, (byte)(block / 256), (byte)(block % 256), (byte)host]);
    }

    public static IReadOnlyList<IPAddress> Next(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var addresses = new IPAddress[count];
        for (var i = 0; i < count; i++)
        {
            addresses[i] = Next();
        }

        return addresses;
    }

    /// <summary>A TCP port free on <paramref name="address"/> right now (chosen by the kernel).</summary>
    public static int FreePort(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>One TCP port free on every address, for a StatefulSet whose pods all listen on the same port.</summary>
    public static int FreePort(IReadOnlyList<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentOutOfRangeException.ThrowIfZero(addresses.Count);

        for (var attempt = 0; attempt < PortAttempts; attempt++)
        {
            var port = FreePort(addresses[0]);
            if (addresses.Skip(1).All(a => CanBind(a, port, SocketType.Stream, ProtocolType.Tcp)))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No TCP port was free on all of {string.Join(", ", addresses)}.");
    }

    /// <summary>A port free for both UDP and TCP on <paramref name="address"/>, as a DNS server needs.</summary>
    public static int FreeDnsPort(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        for (var attempt = 0; attempt < PortAttempts; attempt++)
        {
            int port;
            using (var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp))
            {
                udp.Bind(new IPEndPoint(address, 0));
                port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            }

            if (CanBind(address, port, SocketType.Stream, ProtocolType.Tcp))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No port was free for both UDP and TCP on {address}.");
    }

    private static bool CanBind(IPAddress address, int port, SocketType socketType, ProtocolType protocolType)
    {
        using var socket = new Socket(address.AddressFamily, socketType, protocolType);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
