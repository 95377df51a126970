using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

public sealed class LoopbackAddressesTests
{
    [Fact]
    public void Next_ManyCalls_UniqueLoopbackAddressesNeverEndingIn0Or1Or255()
    {
        var addresses = LoopbackAddresses.Next(600);

        Assert.Equal(600, addresses.Distinct().Count());
        Assert.All(addresses, a =>
        {
            var bytes = a.GetAddressBytes();
            Assert.Equal(127, bytes[0]);
            Assert.DoesNotContain(bytes[3], new byte[] { 0, 1, 255 });
        });
    }

    [Fact]
    public void FreePort_SeveralAddresses_PortBindableOnEach()
    {
        var addresses = LoopbackAddresses.Next(3);

        var port = LoopbackAddresses.FreePort(addresses);

        var listeners = addresses.Select(a => new TcpListener(a, port)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    [Fact]
    public void FreeDnsPort_Address_BindableForUdpAndTcp()
    {
        var address = LoopbackAddresses.Next();

        var port = LoopbackAddresses.FreeDnsPort(address);

        using var udp = new UdpClient(new IPEndPoint(address, port));
        var tcp = new TcpListener(address, port);
        tcp.Start();
        tcp.Stop();
    }
}
