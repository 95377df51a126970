using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar.Grpc;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

/// <summary>The TLS pods answered directly (curl, redis-cli, a gRPC client), not through the sidecar.</summary>
public sealed class TlsPodTests
{
    private const string ServiceFqdn = "nginx-headless.default.svc.cluster.local";
    private const string PodFqdn = "web-0." + ServiceFqdn;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>GETs <c>/</c> <paramref name="times"/> times by the pod's name, each on a new connection of one curl process (which resumes sessions).</summary>
    private static async Task<(int ExitCode, string Output, JsonElement[] Bodies)> CurlAsync(NginxTlsPod pod, TestPki pki, int times = 1, TlsFiles? client = null)
    {
        var url = $"https://{PodFqdn}:{I(pod.Port)}/";
        List<string> arguments = ["-sS", "--max-time", "10", "--cacert", pki.RootCaPath, "--resolve", $"{PodFqdn}:{I(pod.Port)}:{pod.Address}",
            "-H", "Connection: close"];
        if (client is not null)
        {
            arguments.AddRange(["--cert", client.CertificatePath, "--key", client.KeyPath]);
        }
        arguments.AddRange(Enumerable.Repeat(url, times));
        var (exitCode, output) = await ProcessRunner.RunAsync(RequiredTool.Resolve("curl"), arguments, cancellationToken: Ct);
        var bodies = exitCode == 0
            ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToArray()
            : [];
        return (exitCode, output, bodies);
    }

    [Fact]
    public async Task Nginx_CurlByPodName_ReportsSniProtocolAndResumedSecondHandshake()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        await using var pod = await NginxTlsPod.StartAsync("web-0", LoopbackAddresses.Next(), await pki.PodCertificateAsync(PodFqdn, cancellationToken: Ct),
            cancellationToken: Ct);

        var (exitCode, output, bodies) = await CurlAsync(pod, pki, times: 2);

        Assert.True(exitCode == 0, output + pod.Log);
        Assert.Equal(2, bodies.Length);
        Assert.All(bodies, b => Assert.Equal("web-0", b.GetProperty("pod").GetString()));
        Assert.All(bodies, b => Assert.Equal(PodFqdn, b.GetProperty("sni").GetString()));
        Assert.All(bodies, b => Assert.Equal("TLSv1.3", b.GetProperty("protocol").GetString()));
        Assert.Equal(".", bodies[0].GetProperty("reused").GetString());
        Assert.Equal("r", bodies[1].GetProperty("reused").GetString());
        await Poll.UntilAsync(_ => Task.FromResult(pod.ReadAccessLog().Count == 2), "two access log lines", describe: () => pod.Log, cancellationToken: Ct);
        Assert.Equal([false, true], pod.ReadAccessLog().Select(r => r.SessionReused));
        Assert.All(pod.ReadAccessLog(), r => Assert.Equal(PodFqdn, r.ServerName));
    }

    [Fact]
    public async Task Nginx_RequiredClientCertificate_400WithoutOne_SubjectReportedWithOne()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var client = await pki.IssueClientAsync("app", TlsKeyFormat.RsaPkcs1, cancellationToken: Ct);
        await using var pod = await NginxTlsPod.StartAsync("web-0", LoopbackAddresses.Next(), await pki.PodCertificateAsync(PodFqdn, cancellationToken: Ct),
            clientVerification: TlsClientVerification.Required, clientCaPath: pki.RootCaPath, cancellationToken: Ct);

        var without = await CurlAsync(pod, pki);
        var with = await CurlAsync(pod, pki, client: client);

        Assert.Contains("400", without.Output, StringComparison.Ordinal);
        Assert.Empty(without.Bodies);
        Assert.True(with.ExitCode == 0, with.Output + pod.Log);
        var body = Assert.Single(with.Bodies);
        Assert.Equal(TestPki.ClientSubject("app"), body.GetProperty("client").GetString());
        Assert.Equal("SUCCESS", body.GetProperty("verify").GetString());
    }

    [Fact]
    public async Task Nginx_RestartWithAnotherCertificate_ServesTheNewOne()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        await using var pod = await NginxTlsPod.StartAsync("web-0", LoopbackAddresses.Next(), await pki.WrongNameCertificateAsync(Ct), cancellationToken: Ct);
        Assert.NotEqual(0, (await CurlAsync(pod, pki)).ExitCode);

        await pod.RestartAsync(await pki.PodCertificateAsync(PodFqdn, cancellationToken: Ct), Ct);

        var (exitCode, output, _) = await CurlAsync(pod, pki);
        Assert.True(exitCode == 0, output + pod.Log);
    }

    [Fact]
    public async Task Redis_TlsOnlyWithClientAuth_PongOnlyWithClientCertificate()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var client = await pki.IssueClientAsync("app", TlsKeyFormat.EcSec1, cancellationToken: Ct);
        await using var pod = await RedisTlsPod.StartAsync("redis-0", LoopbackAddresses.Next(),
            await pki.PodCertificateAsync("redis-0.redis-headless.default.svc.cluster.local", cancellationToken: Ct),
            clientCaPath: pki.RootCaPath, cancellationToken: Ct);
        var redisCli = RequiredTool.Resolve("redis-cli");
        string[] common = ["-h", pod.Address.ToString(), "-p", I(pod.Port), "--tls", "--cacert", pki.RootCaPath,
            "--sni", "redis-0.redis-headless.default.svc.cluster.local"];

        var with = await ProcessRunner.RunAsync(redisCli, [.. common, "--cert", client.CertificatePath, "--key", client.KeyPath, "PING"], cancellationToken: Ct);
        var without = await ProcessRunner.RunAsync(redisCli, [.. common, "PING"], cancellationToken: Ct);
        var plaintext = await ProcessRunner.RunAsync(redisCli, ["-h", pod.Address.ToString(), "-p", I(pod.Port), "PING"], cancellationToken: Ct);

        Assert.True(with.Output.Trim() == "PONG", with.Output + pod.Log);
        Assert.DoesNotContain("PONG", without.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("PONG", plaintext.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grpc_CallOverTls_AlpnH2_SeesSniAndClientSubject()
    {
        using var pki = await TestPki.CreateAsync(Ct);
        var client = await pki.IssueClientAsync("app", cancellationToken: Ct);
        var address = LoopbackAddresses.Next();
        await using var pod = await GrpcTlsPod.StartAsync("web-0", address, LoopbackAddresses.FreePort(address),
            await pki.PodCertificateAsync(PodFqdn, cancellationToken: Ct), TlsClientVerification.Required, pki.RootCaPath, Ct);

        var answer = await EchoAsync(pod, pki, client);
        var refused = await Assert.ThrowsAsync<RpcException>(() => EchoAsync(pod, pki, client: null));

        Assert.Equal("web-0", answer);
        Assert.Equal("h2", pod.LastAlpn);
        Assert.Equal(PodFqdn, pod.LastServerName);
        Assert.Equal("CN=app, O=headless-sidecar tests", pod.LastClientSubject);
        // TLS 1.3: the client's handshake completes before the server's verdict, which arrives as an alert on the
        // first read (Unavailable or Internal, by when the client reads it).
        Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.Equal(1, pod.Behaviour.Calls);
    }

    private static async Task<string> EchoAsync(GrpcTlsPod pod, TestPki pki, TlsFiles? client)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(pki.RootCaPath);
        var ssl = new SslClientAuthenticationOptions
        {
            TargetHost = PodFqdn,
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            },
        };
        ssl.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
        if (client is not null)
        {
            var intermediates = new X509Certificate2Collection();
            intermediates.ImportFromPemFile(client.CertificatePath);
            ssl.ClientCertificateContext = SslStreamCertificateContext.Create(
                X509Certificate2.CreateFromPemFile(client.CertificatePath, client.KeyPath), [.. intermediates.Skip(1)], offline: true);
        }
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = ssl,
            ConnectCallback = async (_, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(pod.EndPoint, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        using var channel = GrpcChannel.ForAddress($"https://{PodFqdn}:{I(pod.Port)}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        return await channel.CreateCallInvoker().AsyncUnaryCall(TestGrpcService.Echo, null,
            new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: Ct), "hi");
    }
}
