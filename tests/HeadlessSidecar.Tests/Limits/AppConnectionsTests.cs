using System.Net;
using HeadlessSidecar.Limits;

namespace HeadlessSidecar.Tests.Limits;

/// <summary>Raw TCP sessions (served outside Kestrel) in the drain's and a reload's view of the app connections.</summary>
public sealed class AppConnectionsTests
{
    private static readonly IPEndPoint Listen = new(IPAddress.Parse("127.0.0.1"), 7000);
    private static readonly IPEndPoint Other = new(IPAddress.Parse("127.0.0.1"), 7001);

    [Fact]
    public void CountOn_RawSessions_CountedByTheirListenAddress()
    {
        var connections = new AppConnections();
        connections.Add(new Session(), Listen);
        connections.Add(new Session(), Listen);
        connections.Add(new Session(), Other);

        Assert.Equal(3, connections.Count);
        Assert.Equal(2, connections.CountOn(new HashSet<IPEndPoint> { Listen }));
        Assert.Equal(0, connections.CountOn(new HashSet<IPEndPoint> { new(IPAddress.Loopback, 7002) }));
    }

    [Fact]
    public void CountOn_WildcardListen_MatchesByPort()
    {
        var connections = new AppConnections();
        connections.Add(new Session(), new IPEndPoint(IPAddress.IPv6Any, 7000));

        Assert.Equal(1, connections.CountOn(new HashSet<IPEndPoint> { new(IPAddress.IPv6Any, 7000) }));
        Assert.Equal(0, connections.CountOn(new HashSet<IPEndPoint> { new(IPAddress.IPv6Any, 7001) }));
    }

    [Fact]
    public void Abort_ByEndPoint_AbortsOnlyTheSessionsOnIt()
    {
        var connections = new AppConnections();
        var on = new Session();
        var off = new Session();
        connections.Add(on, Listen);
        connections.Add(off, Other);

        connections.RequestClose(new HashSet<IPEndPoint> { Listen });
        Assert.Equal(0, on.Aborts);

        connections.Abort(new HashSet<IPEndPoint> { Listen }, "test");
        Assert.Equal(1, on.Aborts);
        Assert.Equal(0, off.Aborts);
    }

    [Fact]
    public void AbortAll_RemovedSession_IsNotAborted()
    {
        var connections = new AppConnections();
        var open = new Session();
        var ended = new Session();
        connections.Add(open, Listen);
        connections.Add(ended, Listen);
        connections.Remove(ended);

        connections.RequestCloseAll();
        connections.AbortAll();

        Assert.Equal(1, open.Aborts);
        Assert.Equal(0, ended.Aborts);
        Assert.Equal(1, connections.Count);
    }

    private sealed class Session : IAbortableConnection
    {
        public int Aborts { get; private set; }

        public void Abort() => Aborts++;
    }
}
