using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using HeadlessSidecar.Metrics;
using HeadlessSidecar.Runtime;
using HeadlessSidecar.Tcp;
using HeadlessSidecar.Tests.Certificates;
using HeadlessSidecar.Tests.Tls;
using HeadlessSidecar.Tests.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.Tcp;

/// <summary>The session's timers on a fake clock: each side a loopback socket pair (the sidecar's end and the app's or pod's).</summary>
public sealed class TcpSessionTests : IAsyncLifetime
{
    private static readonly TcpMetrics Metrics = new(
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), new SidecarMeter($"TcpSessionTests.{Guid.NewGuid():N}"));

    private readonly FakeTimeProvider _time = new();
    private Socket _app = null!;
    private Socket _client = null!;
    private Socket _upstream = null!;
    private Socket _pod = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        (_client, _app) = await PairAsync();
        (_upstream, _pod) = await PairAsync();
    }

    private static async Task<(Socket Connected, Socket Accepted)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var connected = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync(Ct);
        await connected.ConnectAsync(listener.LocalEndPoint!, Ct);
        return (connected, await accept);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _app.Dispose();
        _upstream.Dispose();
        _pod.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        var buffer = new byte[64];
        var received = 0;
        while (await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, Ct) is var n and > 0)
        {
            received += n;
        }
        return System.Text.Encoding.ASCII.GetString(buffer, 0, received);
    }

    [Fact]
    public async Task IdleTimeout_BytesPostponeIt_QuietEndsTheSession()
    {
        var (runtime, _) = TestServices.Create(TestServices.Options(), "nginx-headless.default.svc.cluster.local", _time, TestServices.Pod("web-0", 0, "127.0.0.21"));
        using var session = NewSession(runtime.Table.Pods[0], idle: TimeSpan.FromSeconds(10), grace: null);
        var run = session.RunAsync();

        _time.Advance(TimeSpan.FromSeconds(5));
        await _pod.SendAsync("pong"u8.ToArray(), SocketFlags.None, Ct);
        // Read by the app only after the session noted the activity.
        var read = await _client.ReceiveAsync(new byte[16], SocketFlags.None, Ct);
        Assert.Equal(4, read);

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(run.IsCompleted);
        Assert.Null(session.EndReason);
        _time.Advance(TimeSpan.FromSeconds(2));
        await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(TcpSession.IdleTimeoutReason, session.EndReason);
        Assert.Equal(4, session.BytesDownstream);
        // Both ends see the end of stream.
        Assert.Equal("", await ReadToEndAsync(_client).WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal("", await ReadToEndAsync(_pod).WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task RemovedPodGrace_EndsTheSessionGraceAfterThePodLeft()
    {
        var options = TestServices.Options();
        var (runtime, endpoints) = TestServices.Create(options, "nginx-headless.default.svc.cluster.local", _time,
            TestServices.Pod("web-0", 0, "127.0.0.21"), TestServices.Pod("web-1", 1, "127.0.0.22"));
        var pod = runtime.Table.Pods[0];
        using var session = NewSession(pod, idle: null, grace: TimeSpan.FromSeconds(30));
        var run = session.RunAsync();

        endpoints.Publish(TestServices.Snapshot("web", "nginx-headless.default.svc.cluster.local", [TestServices.Pod("web-1", 1, "127.0.0.22")], 2));
        Assert.True(pod.Removed);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(run.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(TcpSession.RemovedPodReason, session.EndReason);
    }

    [Fact]
    public async Task NoGrace_RemovedPodsSessionGoesOnUntilBothSidesEnd()
    {
        var (runtime, endpoints) = TestServices.Create(TestServices.Options(), "nginx-headless.default.svc.cluster.local", _time, TestServices.Pod("web-0", 0, "127.0.0.21"));
        using var session = NewSession(runtime.Table.Pods[0], idle: null, grace: null);
        var run = session.RunAsync();
        endpoints.Publish(TestServices.Snapshot("web", "nginx-headless.default.svc.cluster.local", [], 2));
        _time.Advance(TimeSpan.FromHours(1));
        Assert.False(run.IsCompleted);

        // The app half-closes; the pod answers and closes.
        await _client.SendAsync("ask"u8.ToArray(), SocketFlags.None, Ct);
        _client.Shutdown(SocketShutdown.Send);
        Assert.Equal("ask", await ReadToEndAsync(_pod));
        await _pod.SendAsync("answer"u8.ToArray(), SocketFlags.None, Ct);
        _pod.Shutdown(SocketShutdown.Send);
        await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal("answer", await ReadToEndAsync(_client));
        Assert.Null(session.EndReason);
        Assert.Equal(6, session.BytesDownstream);
        Assert.Equal(3, session.BytesUpstream);
    }

    [Fact]
    public async Task PodEndsStream_AppStillOpen_AppReadsAnswerAndEndAndSessionEnds()
    {
        var (runtime, _) = TestServices.Create(TestServices.Options(), "nginx-headless.default.svc.cluster.local", _time, TestServices.Pod("web-0", 0, "127.0.0.21"));
        using var session = NewSession(runtime.Table.Pods[0], idle: null, grace: null);
        var run = session.RunAsync();

        await _pod.SendAsync("bye"u8.ToArray(), SocketFlags.None, Ct);
        _pod.Shutdown(SocketShutdown.Send);
        Assert.Equal("bye", await ReadToEndAsync(_client).WaitAsync(TimeSpan.FromSeconds(10), Ct));
        await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Null(session.EndReason);
        Assert.Equal(3, session.BytesDownstream);
    }

    [Fact]
    public async Task Abort_EndsBothSidesAsReset()
    {
        var (runtime, _) = TestServices.Create(TestServices.Options(), "nginx-headless.default.svc.cluster.local", _time, TestServices.Pod("web-0", 0, "127.0.0.21"));
        using var session = NewSession(runtime.Table.Pods[0], idle: null, grace: null);
        var run = session.RunAsync();

        session.Abort();
        await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(TcpSession.ResetReason, session.EndReason);
        Assert.Equal("", await ReadToEndAsync(_client).WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal("", await ReadToEndAsync(_pod).WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task Tls_AppHalfCloses_PodSeesCloseNotifyAndItsAnswerReachesTheApp()
    {
        var (runtime, _) = TestServices.Create(TestServices.Options(), "nginx-headless.default.svc.cluster.local", _time, TestServices.Pod("web-0", 0, "127.0.0.21"));
        var (tls, pod) = await HandshakeAsync();
        await using var _ = tls;
        await using var __ = pod;
        using var session = NewSession(runtime.Table.Pods[0], idle: null, grace: null, tls);
        var run = session.RunAsync();

        await _client.SendAsync("ask"u8.ToArray(), SocketFlags.None, Ct);
        _client.Shutdown(SocketShutdown.Send);
        Assert.Equal("ask", await ReadToEndAsync(pod).WaitAsync(TimeSpan.FromSeconds(10), Ct));
        await pod.WriteAsync("answer"u8.ToArray(), Ct);
        await pod.ShutdownAsync();
        _pod.Shutdown(SocketShutdown.Send);
        await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal("answer", await ReadToEndAsync(_client).WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Null(session.EndReason);
        Assert.Equal(3, session.BytesUpstream);
        Assert.Equal(6, session.BytesDownstream);
    }

    [Fact]
    public async Task Tls_PodEndsStream_AppReadsAnswerAndEndWithoutReset()
    {
        var (runtime, _) = TestServices.Create(TestServices.Options(), "nginx-headless.default.svc.cluster.local", _time, TestServices.Pod("web-0", 0, "127.0.0.21"));
        var (tls, pod) = await HandshakeAsync();
        await using var _ = tls;
        await using var __ = pod;
        using var session = NewSession(runtime.Table.Pods[0], idle: null, grace: null, tls);
        var run = session.RunAsync();

        await pod.WriteAsync("bye"u8.ToArray(), Ct);
        await pod.ShutdownAsync();
        _pod.Shutdown(SocketShutdown.Both);
        Assert.Equal("bye", await ReadToEndAsync(_client).WaitAsync(TimeSpan.FromSeconds(10), Ct));
        await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Null(session.EndReason);
        Assert.Equal(3, session.BytesDownstream);
    }

    /// <summary>TLS between the sidecar's upstream socket and the pod's end: the sidecar's client stream and the pod's server stream.</summary>
    private async Task<(SslStream Client, SslStream Pod)> HandshakeAsync()
    {
        using var authority = TestCertificates.CreateAuthority();
        var server = TlsTestCertificates.CreateLeaf(authority, "web-0.nginx-headless.default.svc.cluster.local");
        var client = new SslStream(new NetworkStream(_upstream, ownsSocket: false), leaveInnerStreamOpen: false,
            (_, certificate, _, _) => certificate is not null && certificate.GetCertHash().AsSpan().SequenceEqual(server.Certificate.GetCertHash()));
        var pod = new SslStream(new NetworkStream(_pod, ownsSocket: false));
        await Task.WhenAll(
            client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "web-0.nginx-headless.default.svc.cluster.local" }, Ct),
            pod.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = server.Certificate }, Ct));
        return (client, pod);
    }

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        var buffer = new byte[64];
        var received = 0;
        while (await stream.ReadAsync(buffer.AsMemory(received), Ct) is var n and > 0)
        {
            received += n;
        }
        return System.Text.Encoding.ASCII.GetString(buffer, 0, received);
    }

    private TcpSession NewSession(PodState pod, TimeSpan? idle, TimeSpan? grace, Stream? tls = null) =>
        new(_app, _upstream, "web", pod, idle, grace, Metrics, _time, tls);
}
