using System.Net;
using System.Net.Sockets;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Connections;
using HeadlessSidecar.Discovery;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeadlessSidecar.Tests.Connections;

/// <summary>The lean forwarder's side of the pod pool, against a loopback listener that only accepts.</summary>
public sealed class PodConnectionPoolHttp1Tests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public PodConnectionPoolHttp1Tests() => _listener.Start();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PodConnectionPool CreatePool(Action<ServiceOptions>? configure = null, int? port = null, TimeProvider? time = null)
    {
        var options = new ServiceOptions { Name = "web", Host = "web", Listen = new IPEndPoint(IPAddress.Loopback, 1) };
        configure?.Invoke(options);
        var pod = new PodEndpoint("web-0", 0, IPAddress.Loopback, port ?? ((IPEndPoint)_listener.LocalEndpoint).Port, "web-0.web.default.svc.cluster.local.");
        return new PodConnectionPool(pod, options, NullLogger.Instance, time);
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    [Fact]
    public async Task RentReturnRent_ReusesTheConnection_OneConnectCounted()
    {
        using var pool = CreatePool();
        var first = await pool.RentHttp1Async(allowIdle: true, Ct);
        using var server = await _listener.AcceptSocketAsync(Ct);
        pool.ReturnHttp1(first);

        var second = await pool.RentHttp1Async(allowIdle: true, Ct);

        Assert.Same(first, second);
        Assert.True(second.Reused);
        Assert.Equal(1, pool.OpenConnections);
        Assert.Equal(1, pool.ConnectsOnRequestPath);
        pool.CloseHttp1(second);
        Assert.Equal(0, pool.OpenConnections);
    }

    [Fact]
    public async Task Return_IdleConnection_HoldsNoReadBufferUntilRentedAgain()
    {
        using var pool = CreatePool();
        var first = await pool.RentHttp1Async(allowIdle: true, Ct);
        using var server = await _listener.AcceptSocketAsync(Ct);
        Assert.Equal(Http1Connection.BufferSize, first.Buffer.Length);

        pool.ReturnHttp1(first);
        var idleBuffer = first.Buffer.Length;
        var second = await pool.RentHttp1Async(allowIdle: true, Ct);

        Assert.Equal(0, idleBuffer);
        Assert.Same(first, second);
        Assert.True(second.Buffer.Length >= Http1Connection.BufferSize);
        Assert.Equal(0, second.Buffered);
        pool.CloseHttp1(second);
    }

    [Fact]
    public async Task IdleConnectionClosedByThePod_NotHandedOut()
    {
        using var pool = CreatePool();
        var first = await pool.RentHttp1Async(allowIdle: true, Ct);
        using (var server = await _listener.AcceptSocketAsync(Ct))
        {
            pool.ReturnHttp1(first);
        }
        await UntilAsync(() => first.Socket.Poll(0, SelectMode.SelectRead));

        var second = await pool.RentHttp1Async(allowIdle: true, Ct);

        Assert.NotSame(first, second);
        Assert.Equal(1, pool.OpenConnections);
        pool.CloseHttp1(second);
    }

    [Fact]
    public async Task Dispose_ClosesIdleConnectionsAtOnce()
    {
        var pool = CreatePool();
        var connection = await pool.RentHttp1Async(allowIdle: true, Ct);
        using var server = await _listener.AcceptSocketAsync(Ct);
        pool.ReturnHttp1(connection);
        Assert.Equal(1, pool.OpenConnections);

        pool.Dispose();

        Assert.Equal(0, pool.OpenConnections);
        Assert.Equal(0, await server.ReceiveAsync(new byte[1], Ct));
    }

    [Fact]
    public async Task ReturnAfterDispose_ClosesTheBusyConnection()
    {
        var pool = CreatePool();
        var connection = await pool.RentHttp1Async(allowIdle: true, Ct);
        pool.Dispose();
        Assert.Equal(1, pool.OpenConnections);

        pool.ReturnHttp1(connection);

        Assert.Equal(0, pool.OpenConnections);
    }

    [Fact]
    public async Task IdleTimeout_ClosesIdleConnections()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var pool = CreatePool(o => o.Pool.IdleTimeout = TimeSpan.FromSeconds(60), time: time);
        var connection = await pool.RentHttp1Async(allowIdle: true, Ct);
        pool.ReturnHttp1(connection);

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, pool.OpenConnections);
        var reused = await pool.RentHttp1Async(allowIdle: true, Ct);
        Assert.Same(connection, reused);
        pool.ReturnHttp1(reused);

        time.Advance(TimeSpan.FromSeconds(61));
        await UntilAsync(() => pool.OpenConnections == 0);
        Assert.Equal(0, pool.OpenConnections);
    }

    [Fact]
    public async Task MaxConnectionsPerPod_SecondRentWaitsForTheFirst()
    {
        using var pool = CreatePool(o => o.Pool.MaxConnectionsPerPod = 1);
        var first = await pool.RentHttp1Async(allowIdle: true, Ct);

        var waiting = pool.RentHttp1Async(allowIdle: true, Ct).AsTask();
        Assert.False(waiting.IsCompleted);
        pool.ReturnHttp1(first);

        Assert.Same(first, await waiting);
        Assert.Equal(1, pool.OpenConnections);
        pool.CloseHttp1(first);
    }

    [Fact]
    public async Task WarmConnections_UsedFirst_NoConnectOnTheRequestPath()
    {
        using var pool = CreatePool(o => o.Pool.WarmConnections = 2);
        await pool.WarmAsync();

        var connection = await pool.RentHttp1Async(allowIdle: true, Ct);

        Assert.Equal(1, pool.WarmConnectionsUsed);
        Assert.Equal(0, pool.ConnectsOnRequestPath);
        Assert.Equal(2, pool.OpenConnections);
        pool.CloseHttp1(connection);
    }

    [Fact]
    public async Task ConnectRefused_SocketExceptionAndNothingCounted()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        using var pool = CreatePool(port: port);

        var error = await Assert.ThrowsAsync<SocketException>(async () => await pool.RentHttp1Async(allowIdle: true, Ct));

        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        Assert.Equal(0, pool.OpenConnections);
    }

    public void Dispose() => _listener.Stop();
}
