using System.Net;
using System.Net.Sockets;
using System.Text;
using HeadlessSidecar.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HeadlessSidecar.IntegrationTests.Hosting;

public class ListenerGroupTests
{
    private const int TestTimeout = 60_000;
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact(Timeout = TestTimeout)]
    public async Task ListenHttp_Http11AndH2cOnOnePort_EachAnsweredInItsProtocol()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("web", sniffHttp: true);
        var endPoint = await group.AddAsync(AnyLoopbackPort, ct);
        await using var server = await GroupTestServer.StartAsync(k => k.ListenHttp(group));
        using var client = HttpTestClient.Create();

        var http1 = await HttpTestClient.GetHttp1Async(client, endPoint, ct);
        var http2 = await HttpTestClient.GetHttp2Async(client, endPoint, ct);

        Assert.Equal($"HTTP/1.1 {endPoint.Port}", http1);
        Assert.Equal($"HTTP/2 {endPoint.Port}", http2);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ListenHttp_ManyConcurrentConnectionsOfBothKinds_AllAnswered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("web", sniffHttp: true);
        var endPoint = await group.AddAsync(AnyLoopbackPort, ct);
        await using var server = await GroupTestServer.StartAsync(k => k.ListenHttp(group));

        // One client per connection: a fresh handler opens its own socket.
        var calls = Enumerable.Range(0, 80).Select(async i =>
        {
            using var client = HttpTestClient.Create();
            var version = i % 2 == 0 ? HttpVersion.Version11 : HttpVersion.Version20;
            var answers = new List<string>();
            for (var request = 0; request < 3; request++)
            {
                answers.Add(await HttpTestClient.GetAsync(client, endPoint, version, ct));
            }

            return (version, answers);
        });
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.All(r.answers, a =>
            Assert.Equal($"{(r.version == HttpVersion.Version11 ? "HTTP/1.1" : "HTTP/2")} {endPoint.Port}", a)));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AddAsync_AfterServerStarted_NewPortIsServed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("pods", sniffHttp: true);
        var first = await group.AddAsync(AnyLoopbackPort, ct);
        await using var server = await GroupTestServer.StartAsync(k => k.ListenHttp(group));
        using var client = HttpTestClient.Create();
        await HttpTestClient.GetHttp1Async(client, first, ct);

        var added = await group.AddAsync(AnyLoopbackPort, ct);

        Assert.Equal($"HTTP/1.1 {added.Port}", await HttpTestClient.GetHttp1Async(client, added, ct));
        Assert.Equal($"HTTP/2 {added.Port}", await HttpTestClient.GetHttp2Async(client, added, ct));
        Assert.Equal([first, added], group.EndPoints);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AddAsync_GroupWithoutSocketsAtStart_SocketAddedLaterIsServed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("pods", sniffHttp: true);
        await using var server = await GroupTestServer.StartAsync(k => k.ListenHttp(group));

        var added = await group.AddAsync(AnyLoopbackPort, ct);

        using var client = HttpTestClient.Create();
        Assert.Equal($"HTTP/2 {added.Port}", await HttpTestClient.GetHttp2Async(client, added, ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ListenHttp_SeveralSockets_LocalPortIsThatOfEachSocket()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("pods", sniffHttp: true);
        var endPoints = new[]
        {
            await group.AddAsync(AnyLoopbackPort, ct),
            await group.AddAsync(AnyLoopbackPort, ct),
        };
        await using var server = await GroupTestServer.StartAsync(k => k.ListenHttp(group));
        var late = await group.AddAsync(AnyLoopbackPort, ct);
        using var client = HttpTestClient.Create();

        foreach (var endPoint in endPoints.Append(late))
        {
            Assert.Equal($"HTTP/1.1 {endPoint.Port}", await HttpTestClient.GetHttp1Async(client, endPoint, ct));
            Assert.Equal($"HTTP/2 {endPoint.Port}", await HttpTestClient.GetHttp2Async(client, endPoint, ct));
        }

        Assert.Equal(3, endPoints.Append(late).Select(e => e.Port).Distinct().Count());
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PRI * HTTP/2.0\r\n")]
    [InlineData("GE")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")]
    [InlineData("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")]
    public async Task ListenHttp_ClientSendsBytesAndCloses_OtherClientsStillServed(string bytes)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("web", sniffHttp: true);
        var endPoint = await group.AddAsync(AnyLoopbackPort, ct);
        await using var server = await GroupTestServer.StartAsync(k => k.ListenHttp(group));
        using var http2Client = HttpTestClient.Create();
        await HttpTestClient.GetHttp2Async(http2Client, endPoint, ct);

        using (var rogue = new TcpClient())
        {
            await rogue.ConnectAsync(endPoint, ct);
            await rogue.GetStream().WriteAsync(Encoding.Latin1.GetBytes(bytes), ct);
            rogue.Client.Shutdown(SocketShutdown.Send);
        }

        using var http1Client = HttpTestClient.Create();
        Assert.Equal($"HTTP/1.1 {endPoint.Port}", await HttpTestClient.GetHttp1Async(http1Client, endPoint, ct));
        Assert.Equal($"HTTP/2 {endPoint.Port}", await HttpTestClient.GetHttp2Async(http2Client, endPoint, ct));
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 a TLS client hello on a cleartext port")]
    [InlineData("\x01\x02\x03\x04\x05\x06\x07\x08\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nnot a frame at all, just text")]
    public async Task ListenHttp_ClientSendsGarbageAndWaits_IsClosedAndOthersStillServed(string garbage)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("web", sniffHttp: true);
        var endPoint = await group.AddAsync(AnyLoopbackPort, ct);
        await using var server = await GroupTestServer.StartAsync(k => k.ListenHttp(group));
        using var http2Client = HttpTestClient.Create();
        await HttpTestClient.GetHttp2Async(http2Client, endPoint, ct);

        using var rogue = new TcpClient();
        await rogue.ConnectAsync(endPoint, ct);
        var stream = rogue.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(garbage), ct);

        // Kestrel answers (400 or GOAWAY) and closes: read to the end.
        await ReadToEndOrResetAsync(stream).WaitAsync(Bound, ct);

        using var http1Client = HttpTestClient.Create();
        Assert.Equal($"HTTP/1.1 {endPoint.Port}", await HttpTestClient.GetHttp1Async(http1Client, endPoint, ct));
        Assert.Equal($"HTTP/2 {endPoint.Port}", await HttpTestClient.GetHttp2Async(http2Client, endPoint, ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ListenHttp_ClientSilentPastSniffTimeout_IsClosedAndOthersStillServed()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new TimerSignalingTimeProvider();
        var options = new ListenerGroupOptions { SniffTimeout = TimeSpan.FromSeconds(10) };
        await using var group = new ListenerGroup("web", sniffHttp: true, options, Options.Create(new SocketTransportOptions()), LoggerFactoryForTests(null), time);
        var endPoint = await group.AddAsync(AnyLoopbackPort, ct);
        await using var server = await GroupTestServer.StartAsync(k => k.ListenHttp(group));

        using var silent = new TcpClient();
        await silent.ConnectAsync(endPoint, ct);
        await time.TimerCreated.WaitAsync(Bound, ct);
        var read = ReadToEndOrResetAsync(silent.GetStream());
        Assert.False(read.IsCompleted);

        time.Advance(options.SniffTimeout);

        await read.WaitAsync(Bound, ct);
        using var client = HttpTestClient.Create();
        Assert.Equal($"HTTP/1.1 {endPoint.Port}", await HttpTestClient.GetHttp1Async(client, endPoint, ct));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ListenHttp_PrefaceSentByteByByte_ServedAsHttp2()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("web", sniffHttp: true);
        var endPoint = await group.AddAsync(AnyLoopbackPort, ct);
        await using var server = await GroupTestServer.StartAsync(k => k.ListenHttp(group));
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endPoint, ct);
        var stream = tcp.GetStream();

        foreach (var b in Http2Preface.Bytes.ToArray())
        {
            await stream.WriteAsync(new[] { b }, ct);
            await stream.FlushAsync(ct);

            // Pacing, not synchronisation: a slow client's bytes arrive in separate reads.
            await Task.Delay(TimeSpan.FromMilliseconds(5), ct);
        }

        await stream.WriteAsync(Http2Frames.Frame(Http2Frames.Settings, 0, 0, []), ct);
        await stream.WriteAsync(Http2Frames.Frame(Http2Frames.Headers, Http2Frames.EndHeaders | Http2Frames.EndStream, 1, Http2Frames.GetRequestHeaders(endPoint.ToString())), ct);

        var body = new MemoryStream();
        var sawResponseHeaders = false;
        while (true)
        {
            var frame = await Http2Frames.ReadFrameAsync(stream, ct).WaitAsync(Bound, ct);
            if (frame.Type == Http2Frames.Settings && (frame.Flags & Http2Frames.Ack) == 0)
            {
                await stream.WriteAsync(Http2Frames.Frame(Http2Frames.Settings, Http2Frames.Ack, 0, []), ct);
            }
            else if (frame.Type == Http2Frames.Headers && frame.StreamId == 1)
            {
                sawResponseHeaders = true;
            }
            else if (frame.Type == Http2Frames.Data && frame.StreamId == 1)
            {
                body.Write(frame.Payload);
                if ((frame.Flags & Http2Frames.EndStream) != 0)
                {
                    break;
                }
            }
        }

        Assert.True(sawResponseHeaders);
        Assert.Equal($"HTTP/2 {endPoint.Port}", Encoding.ASCII.GetString(body.ToArray()));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ListenRaw_EchoHandler_EchoesOnEverySocket()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("tcp", sniffHttp: false);
        var first = await group.AddAsync(AnyLoopbackPort, ct);
        await using var server = await GroupTestServer.StartAsync(k => k.ListenRaw(group, listen => listen.UseConnectionHandler<EchoConnectionHandler>()));
        var added = await group.AddAsync(AnyLoopbackPort, ct);

        foreach (var endPoint in new[] { first, added })
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(endPoint, ct);
            var stream = tcp.GetStream();

            // Starts like the HTTP/2 preface: a raw group must not sniff.
            var message = Encoding.ASCII.GetBytes($"PRI * hello {endPoint.Port}");
            await stream.WriteAsync(message, ct);
            var echoed = new byte[message.Length];
            await stream.ReadExactlyAsync(echoed, ct).AsTask().WaitAsync(Bound, ct);

            Assert.Equal(message, echoed);
        }
    }

    [Fact(Timeout = TestTimeout)]
    public async Task StopAsync_InFlightRequestFinishes_NewConnectionsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var signal = new LogSignal();
        using var loggerFactory = LoggerFactoryForTests(signal);
        await using var group = new ListenerGroup("web", sniffHttp: true, new ListenerGroupOptions(), Options.Create(new SocketTransportOptions()), loggerFactory, TimeProvider.System);
        var endPoint = await group.AddAsync(AnyLoopbackPort, ct);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await GroupTestServer.StartAsync(k => k.ListenHttp(group), async context =>
        {
            entered.TrySetResult();
            await release.Task;
            await GroupTestServer.DescribeRequest(context);
        });
        using var client = HttpTestClient.Create();
        var inFlight = HttpTestClient.GetHttp2Async(client, endPoint, ct);
        await entered.Task.WaitAsync(Bound, ct);

        var stopping = server.App.StopAsync(ct);
        await signal.WhenLogged("Stopped").WaitAsync(Bound, ct);

        using var late = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => late.ConnectAsync(endPoint, ct).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.False(stopping.IsCompleted);
        await Assert.ThrowsAsync<InvalidOperationException>(() => group.AddAsync(AnyLoopbackPort, ct));

        release.SetResult();
        Assert.Equal($"HTTP/2 {endPoint.Port}", await inFlight.WaitAsync(Bound, ct));
        await stopping.WaitAsync(Bound, ct);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AddAsync_BeforeStart_BindsAtOnceWithRealPort()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("web", sniffHttp: true);

        var endPoint = await group.AddAsync(AnyLoopbackPort, ct);

        Assert.NotEqual(0, endPoint.Port);
        Assert.Equal([endPoint], group.EndPoints);
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var inUse = Assert.Throws<SocketException>(() => probe.Bind(endPoint));
        Assert.Equal(SocketError.AddressAlreadyInUse, inUse.SocketErrorCode);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AddAsync_SameEndPointTwice_ReturnsTheBoundOne()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("web", sniffHttp: true);
        var endPoint = await group.AddAsync(AnyLoopbackPort, ct);

        var again = await group.AddAsync(new IPEndPoint(IPAddress.Loopback, endPoint.Port), ct);

        Assert.Equal(endPoint, again);
        Assert.Single(group.EndPoints);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AddAsync_AddressInUse_ThrowsNamingGroupAndAddress()
    {
        var ct = TestContext.Current.CancellationToken;
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var taken = (IPEndPoint)other.LocalEndpoint;
        await using var group = new ListenerGroup("web", sniffHttp: true);

        var error = await Assert.ThrowsAsync<AddressInUseException>(() => group.AddAsync(taken, ct));

        Assert.Contains("'web'", error.Message, StringComparison.Ordinal);
        Assert.Contains(taken.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Empty(group.EndPoints);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AddListenerGroups_PlainIpEndpointAlongside_StillServedBySocketTransport()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var group = new ListenerGroup("web", sniffHttp: true);
        var groupEndPoint = await group.AddAsync(AnyLoopbackPort, ct);
        await using var server = await GroupTestServer.StartAsync(k =>
        {
            k.ListenHttp(group);
            k.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        });
        var addresses = server.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var plain = addresses.Select(a => new Uri(a)).Single(u => u.Host == "127.0.0.1");
        using var client = HttpTestClient.Create();

        var answer = await HttpTestClient.GetHttp1Async(client, new IPEndPoint(IPAddress.Loopback, plain.Port), ct);

        Assert.Equal($"HTTP/1.1 {plain.Port}", answer);
        Assert.Equal($"HTTP/1.1 {groupEndPoint.Port}", await HttpTestClient.GetHttp1Async(client, groupEndPoint, ct));
    }

    [Fact]
    public async Task ListenHttp_RawGroup_Throws()
    {
        await using var group = new ListenerGroup("tcp", sniffHttp: false);
        var options = new KestrelServerOptions();

        Assert.Throws<ArgumentException>(() => options.ListenHttp(group));
    }

    [Fact]
    public async Task ListenRaw_SniffingGroup_Throws()
    {
        await using var group = new ListenerGroup("web", sniffHttp: true);
        var options = new KestrelServerOptions();

        Assert.Throws<ArgumentException>(() => options.ListenRaw(group, _ => { }));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AddListenerGroups_EitherOrderWithKestrelSockets_OneSocketTransportAndSelectorsSplitEndpoints(bool kestrelFirst)
    {
        var services = new ServiceCollection().AddLogging();
        if (kestrelFirst)
        {
            AddSocketsAsKestrelDoes(services);
        }

        services.AddListenerGroups();
        if (!kestrelFirst)
        {
            AddSocketsAsKestrelDoes(services);
        }

        await using var provider = services.BuildServiceProvider();
        var factories = provider.GetServices<IConnectionListenerFactory>().ToList();
        await using var group = new ListenerGroup("web", sniffHttp: true);
        var groupEndPoint = new ListenerGroupEndPoint(group, ListenerRole.Http1);

        Assert.Equal(2, factories.Count);
        var sockets = Assert.Single(factories.OfType<SocketTransportFactory>());
        var ours = Assert.Single(factories, f => f is not SocketTransportFactory);
        Assert.False(sockets.CanBind(groupEndPoint));
        Assert.True(((IConnectionListenerFactorySelector)ours).CanBind(groupEndPoint));
        Assert.False(((IConnectionListenerFactorySelector)ours).CanBind(AnyLoopbackPort));

        static void AddSocketsAsKestrelDoes(IServiceCollection services) =>
            services.TryAddSingleton<IConnectionListenerFactory, SocketTransportFactory>();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CreateListenerGroup_FromAppServices_UsesTheirOptionsAndBinds()
    {
        var ct = TestContext.Current.CancellationToken;
        var signal = new LogSignal();
        var services = new ServiceCollection()
            .AddLogging(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(signal))
            .AddListenerGroups();
        await using var provider = services.BuildServiceProvider();

        await using var group = provider.CreateListenerGroup("web", sniffHttp: true);
        var endPoint = await group.AddAsync(AnyLoopbackPort, ct);

        Assert.Equal("web", group.Name);
        Assert.NotEqual(0, endPoint.Port);
        Assert.True(signal.WhenLogged("SocketBound").IsCompleted);
    }

    private static ILoggerFactory LoggerFactoryForTests(LogSignal? signal) =>
        LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Debug);
            if (signal is not null)
            {
                builder.AddProvider(signal);
            }
        });

    private static async Task ReadToEndOrResetAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        }
        catch (IOException)
        {
            // A reset is an end too.
        }
    }
}
